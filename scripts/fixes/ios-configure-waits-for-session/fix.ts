import { defineFix, isDetection, type Analysis } from '../../codemod/define-fix.ts';
import { meta } from './meta.ts';
import type { AppliedEdit, Detection, NodeSpan, PackageSnapshot } from '../../core/fix.ts';
import {
  commit,
  descendants,
  findFunctions,
  indentOf,
  parseSwift,
  removeLine,
  squash,
  statementList,
  statementsOf,
  type Edit,
  type SgNode,
} from '../../codemod/swift-ast.ts';

/**
 * Fix B: in @clerk/expo's iOS bridge, `configure(publishableKey:bearerToken:)` resolves before the
 * native SDK has a session. It polls `isLoaded && session != nil` for 3 s and returns whatever
 * happened; the already-configured path fires `try? refreshClient()` and returns without knowing
 * the answer. With a bearer token, the patched configure returns once a session exists or the
 * answer is definitive — the server returned the client (with or without a session) or the
 * request failed (thrown) — bounded by a 15 s deadline. Without a token it does not wait.
 */
const ID = meta.id;
export const HELPER = 'refreshClientBeforeDeadline';
export const DEADLINE_LOCAL = 'sessionDeadlineNs';
/** 15 s in nanoseconds: see README ("The deadline"). */
export const DEADLINE_NS = '15_000_000_000';

/** Statement forms of the pristine code (compared token by token, layout ignored). */
const SWALLOWED_REFRESH = '_ = try? await Clerk.shared.refreshClient()';
const WAIT_CALL = 'await Self.waitForLoadedSession()';
const WAIT_FN = 'waitForLoadedSession';
const SESSION = 'Clerk.shared.session';

/** What apply emits. `m` is the class-member indent, `u` one indent step. */
export const directCall = (): string => `try await Self.${HELPER}()`;
export const guardedCall = (ind: string, u: string): string =>
  `if !(bearerToken?.isEmpty ?? true), ${SESSION} == nil {\n${ind}${u}${directCall()}\n${ind}}`;
const GUARD_COMMENT = '// clerk-expo-patches (Fix B): with a bearer token, return once a session exists or the server has answered.';
export function helperDecl(m: string, u: string): string {
  const l = (depth: number, t: string) => `${m}${u.repeat(depth)}${t}`;
  return [
    l(0, `@MainActor private static func ${HELPER}() async throws {`),
    l(1, `let ${DEADLINE_LOCAL}: UInt64 = ${DEADLINE_NS}`),
    l(1, 'let refresh = Task { @MainActor in'),
    l(2, '_ = try await Clerk.shared.refreshClient()'),
    l(1, '}'),
    l(1, 'let deadline = Task { @MainActor in'),
    l(2, `try await Task.sleep(nanoseconds: ${DEADLINE_LOCAL})`),
    l(2, 'refresh.cancel()'),
    l(1, '}'),
    l(1, 'defer { deadline.cancel() }'),
    l(1, 'do {'),
    l(2, 'try await refresh.value'),
    l(1, '} catch {'),
    l(2, 'if refresh.isCancelled { return }'),
    l(2, 'throw error'),
    l(1, '}'),
    l(0, '}'),
  ].join('\n');
}
/** Doc comment + helper, inserted as whole lines right before configure (its own diff hunk). */
function helperBlock(m: string, u: string): string {
  return [
    `${m}/// clerk-expo-patches (Fix B): fetches the client for the device token and returns once the server`,
    `${m}/// has answered, with or without a session; a failed request throws. Past the deadline (15 s) the`,
    `${m}/// request is cancelled and configure returns without a session, as it did before.`,
    helperDecl(m, u),
    '',
    '',
  ].join('\n');
}

interface Located {
  root: SgNode;
  configure: SgNode;
  span: NodeSpan;
  className: string;
  /** Statement-level nodes of configure (any depth). */
  stmts: SgNode[];
  poll: SgNode[];
  wait: SgNode[];
  swallowed: SgNode[];
  helperDecls: SgNode[];
  member: string;
  unit: string;
}

const mentions = (n: SgNode, name: string) => descendants(n, 'simple_identifier').some((i) => i.text() === name);
const hasNav = (n: SgNode, text: string) => descendants(n, 'navigation_expression').some((e) => squash(e.text()) === text);

/** Every node that is a statement (a named child of a `statements` block) inside `fn`. */
function allStatements(fn: SgNode): SgNode[] {
  return descendants(fn, 'statements').flatMap((s) => statementList(s));
}

/** A `for` loop that polls `Clerk.shared.session` (the 3.1.2 inline loop, or waitForLoadedSession's body). */
const isSessionPoll = (n: SgNode) => n.kind() === 'for_statement' && hasNav(n, SESSION);

function locate(text: string, file: string): Located | Detection {
  const root = parseSwift(text);
  const configures = findFunctions(root, 'configure').filter((f) =>
    f.children().some((c) => c.kind() === 'parameter' && c.children()[0]?.text() === 'bearerToken'),
  );
  if (configures.length !== 1) {
    return {
      status: 'unknown-shape',
      reason: `expected exactly one configure(publishableKey:bearerToken:) in ${file}, found ${configures.length}`,
    };
  }
  const configure = configures[0]!;
  const cls = configure.ancestors().find((a) => a.kind() === 'class_declaration');
  const clsName =
    cls
      ?.children()
      .find((c) => c.kind() === 'type_identifier')
      ?.text() ?? '(no class)';
  const r = configure.range();
  const span: NodeSpan = { label: `function_declaration configure (class ${clsName})`, start: r.start.index, end: r.end.index };
  const stmts = allStatements(configure);
  const first = statementList(statementsOf(configure))[0];
  const member = indentOf(text, configure);
  const inner = first ? indentOf(text, first) : `${member}  `;
  const unit = inner.startsWith(member) && inner.length > member.length ? inner.slice(member.length) : '  ';
  return {
    root,
    configure,
    span,
    className: clsName,
    stmts,
    poll: stmts.filter(isSessionPoll),
    wait: stmts.filter((s) => s.kind() === 'await_expression' && squash(s.text()) === WAIT_CALL),
    swallowed: stmts.filter((s) => s.kind() === 'assignment' && squash(s.text()) === SWALLOWED_REFRESH),
    helperDecls: findFunctions(root, HELPER),
    member,
    unit,
  };
}

/** Patched: configure holds only what apply emits, and the helper is exactly the emitted one. */
function patchedProblem(l: Located): string | undefined {
  if (l.helperDecls.length !== 1 || squash(l.helperDecls[0]!.text()) !== squash(helperDecl('', '  ')))
    return `${HELPER}() is not the function this patch emits`;
  const within = (inner: SgNode, outer: SgNode) =>
    outer.range().start.index <= inner.range().start.index && inner.range().end.index <= outer.range().end.index;
  const mentioning = l.stmts.filter((s) => mentions(s, HELPER));
  const innermost = mentioning.filter((s) => !mentioning.some((o) => o !== s && within(o, s)));
  const guarded = mentioning.filter((s) => s.kind() === 'if_statement' && squash(s.text()) === squash(guardedCall('', '  ')));
  if (innermost.some((s) => squash(s.text()) !== directCall())) return `configure calls ${HELPER}() in a form this patch does not emit`;
  if (guarded.length === 0) return `configure's fresh path has no "${squash(guardedCall('', '  '))}"`;
  return undefined;
}

function analyze(text: string, file: string): Analysis<Located> {
  const l = locate(text, file);
  if (isDetection(l)) return { detection: l };
  const at = { node: l.span };
  const markers = l.poll.length + l.wait.length + l.swallowed.length;
  const patchedBits = l.helperDecls.length + l.stmts.filter((s) => mentions(s, HELPER)).length;
  if (markers > 0 && patchedBits > 0) {
    return {
      detection: {
        status: 'unknown-shape',
        reason: `${l.span.label} in ${file} mixes the original session wait with parts of this patch (edited by hand?)`,
        ...at,
      },
    };
  }
  if (patchedBits > 0) {
    const problem = patchedProblem(l);
    return problem
      ? { detection: { status: 'unknown-shape', reason: `${file}: ${problem}`, ...at } }
      : {
          detection: {
            status: 'patched',
            reason: `${l.span.label} waits for a session or a definitive answer via this patch's ${HELPER}()`,
            ...at,
          },
        };
  }
  if (markers === 0) {
    return {
      detection: {
        status: 'not-affected',
        reason: `${l.span.label} in ${file} neither polls for a session nor swallows refreshClient() errors (no ${WAIT_FN}, no loop on ${SESSION})`,
        ...at,
      },
    };
  }
  if (l.poll.length + l.wait.length === 0) {
    return {
      detection: {
        status: 'unknown-shape',
        reason: `${l.span.label} in ${file} swallows refreshClient() errors but has no session wait on its fresh path`,
        ...at,
      },
    };
  }
  if (l.wait.length > 0) {
    const fns = findFunctions(l.root, WAIT_FN);
    const polls = fns.length === 1 && allStatements(fns[0]!).some(isSessionPoll);
    if (!polls)
      return {
        detection: {
          status: 'unknown-shape',
          reason: `${file}: configure calls ${WAIT_FN}() but no single ${WAIT_FN} function polls ${SESSION}`,
          ...at,
        },
      };
  }
  const what = [
    l.poll.length && 'polls for a session 30×100 ms',
    l.wait.length && `awaits ${WAIT_FN}() (30×100 ms)`,
    l.swallowed.length && 'swallows refreshClient() with try?',
  ]
    .filter(Boolean)
    .join(', ');
  return { detection: { status: 'vulnerable', reason: `${l.span.label} ${what} and returns without a session`, ...at }, located: l };
}

function applyLocated(l: Located, text: string): AppliedEdit {
  const edits: Edit[] = [];
  for (const s of l.swallowed) edits.push(s.replace(directCall()));
  // A sibling before the wait that refreshes and falls through to it (no `return` inside).
  const returns = (s: SgNode) => descendants(s, 'control_transfer_statement').some((t) => t.text().startsWith('return'));
  const refreshed = (s: SgNode) =>
    l.swallowed.some(
      (w) => s === w || (!returns(s) && s.range().start.index <= w.range().start.index && w.range().end.index <= s.range().end.index),
    );
  for (const s of [...l.wait, ...l.poll]) {
    // A session wait right after the (now bounded, throwing) refresh is redundant: the refresh is the answer.
    if (s.prevAll().some(refreshed)) {
      edits.push(removeLine(text, s));
      continue;
    }
    const ind = indentOf(text, s);
    edits.push(s.replace(`${GUARD_COMMENT}\n${ind}${guardedCall(ind, l.unit)}`));
  }
  // The helper goes in front of configure, as whole lines: a diff shows it as one added declaration.
  const lineStart = text.lastIndexOf('\n', l.configure.range().start.index - 1) + 1;
  edits.push({ startPos: lineStart, endPos: lineStart, insertedText: helperBlock(l.member, l.unit) });
  const out = commit(text, edits);
  const added = findFunctions(parseSwift(out), HELPER)[0]!;
  const ar = added.range();
  const label = `function_declaration ${HELPER} (class ${l.className})`;
  return { changed: true, text: out, node: l.span, added: [{ label, start: ar.start.index, end: ar.end.index }] };
}

/**
 * Names the patched file may use that the pristine file may lack, each with where it was
 * confirmed: the ClerkKit source at every clerk-ios tag @clerk/expo 3.1.2–3.4.3 pins (1.0.0,
 * 1.1.4, 1.2.2, 1.2.4), or "declared by this patch".
 */
export const ALLOWED_NEW_IDENTIFIERS: Readonly<Record<string, string>> = {
  [HELPER]: 'declared by this patch',
  [DEADLINE_LOCAL]: 'declared by this patch (local)',
  refresh: 'declared by this patch (local)',
  deadline: 'declared by this patch (local)',
  Clerk: 'clerk-ios Sources/ClerkKit/Core/Clerk.swift (public final class Clerk)',
  shared: 'clerk-ios Sources/ClerkKit/Core/Clerk.swift (public static var shared: Clerk)',
  session: 'clerk-ios Sources/ClerkKit/Core/Clerk.swift (public var session: Session?)',
  refreshClient: 'clerk-ios Sources/ClerkKit/Core/Clerk.swift (public func refreshClient() async throws -> Client?)',
  bearerToken: 'configure parameter in every affected bridge file',
  isEmpty: 'Swift String; in every affected bridge file',
  MainActor: 'Swift global actor; clerk-ios Sources/ClerkKit/Core/Clerk.swift (@MainActor)',
  Task: 'Swift concurrency; clerk-ios Sources/ClerkKit/Lifecycle/TaskCoordinator.swift',
  value: 'Task.value; clerk-ios Sources/ClerkKit/Lifecycle/TaskCoordinator.swift (await task.value)',
  cancel: 'Task.cancel(); clerk-ios Sources/ClerkKit/Lifecycle/TaskCoordinator.swift (task.cancel())',
  isCancelled: 'Task.isCancelled; clerk-ios Sources/ClerkKit/Lifecycle/SessionPollingManager.swift (pollingTask?.isCancelled)',
  sleep: 'Task.sleep(nanoseconds:); clerk-ios Sources/ClerkKit/Networking/Middleware/ClerkRateLimitRetryMiddleware.swift',
  nanoseconds: 'Task.sleep(nanoseconds:); clerk-ios Sources/ClerkKit/Networking/Middleware/ClerkRateLimitRetryMiddleware.swift',
  UInt64: 'Swift stdlib; clerk-ios Sources/ClerkKit/Networking/Middleware/ClerkRateLimitRetryMiddleware.swift (UInt64)',
  error: 'implicit catch binding; clerk-ios Sources/ClerkKit/Core/Clerk.swift (logError(error, …))',
  Self: 'Swift; in every affected bridge file',
  defer:
    'Swift statement keyword that tree-sitter-swift reports as an identifier; clerk-ios Sources/ClerkKit/Helpers/WatchConnectivityManager.swift (defer { … }); 3.2.x signOut() uses it too',
};

export const fix = defineFix<Located>({
  ...meta,
  analyze,
  edit: applyLocated,
});
