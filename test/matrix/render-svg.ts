import semver from 'semver';
import { outcomeStyles, type OutcomeStyle } from './outcomes.ts';

/**
 * docs/session-matrix.svg: the matrix as a heat map, drawn from docs/session-matrix.json by a
 * pure function. One row per version (semver order) with its version and native bridge labels;
 * one column pair per scenario, pristine on the left and with the shipped patch on the right; one
 * colour per outcome (outcomes.ts; a result it does not list gets a fallback colour and its own
 * legend line). A cell the data lacks is drawn as such: "no patch ships" when the version has no
 * patched cell at all, "not run" otherwise. No timestamps, integer coordinates, fixed order:
 * the same input gives the same bytes.
 */
export interface SvgColumn {
  /** Scenario name (fixtures/matrix/<name>.json), the cell key's last part. */
  name: string;
  /** Column title. */
  title: string;
}
/** The part of the matrix store the picture reads (MatrixStore, with results of any name). */
export interface SvgData {
  versions: Record<string, unknown>;
  cells: Record<string, { result: string; readings?: Record<string, string> }>;
}

/** What differs between the pictures drawn (the @clerk/expo matrix, the clerk-js table); the defaults draw the @clerk/expo one. */
export interface SvgOptions {
  title: string;
  /** The line under the title. */
  subtitle: (rows: number, columns: number) => string;
  /** Header of the version labels, and the package named in each cell's tooltip. */
  rowHeader: string;
  /** Width of the version labels' column. */
  versionWidth: number;
  /** Header of the second label column (what `bridgeOf` returns). */
  groupHeader: string;
  /** Width of the second label column. */
  groupWidth: number;
  /** Draw a rule where the second label changes. */
  groupRules: boolean;
  /** The first legend line, after the P/+ pair. */
  pairLabel: string;
  /** Results listed in the legend even when no cell has them (default: OUTCOMES' alwaysInLegend). */
  alwaysInLegend?: readonly string[];
}

const EXPO_PICTURE: SvgOptions = {
  title: 'Session-loss matrix: @clerk/expo version × scenario',
  subtitle: (rows, columns) =>
    `${rows} versions × ${columns} scenarios, pristine and patched; drawn from docs/session-matrix.json by npm run matrix`,
  rowHeader: '@clerk/expo',
  versionWidth: 84,
  groupHeader: 'bridge',
  groupWidth: 88,
  groupRules: true,
  pairLabel: 'each scenario: P pristine, + with the shipped patch; rules separate native bridge generations',
};

const NO_PATCH = 'no patch ships';
const NOT_RUN = 'not run';
const VARIANTS = ['pristine', 'patched'] as const;

const FONT = 'system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif';
const CHAR_W = 6.2; // estimated width of one 11 px character
const MARGIN = 16;
const CELL_W = 15;
const CELL_H = 13;
const PAIR_GAP = 1;
const COLUMN_GAP = 7;
const ROW_STRIDE = CELL_H + 2;
const GROUP_GAP = 8; // extra space (with a rule in it) where the bridge generation changes
const TITLE_ANGLE = 55; // degrees, column titles rise to the right
const LEGEND_STRIDE = 17;

export function renderMatrixSvg(
  data: SvgData,
  columns: readonly SvgColumn[],
  bridgeOf: (version: string) => string,
  options: Partial<SvgOptions> = {},
): string {
  const o: SvgOptions = { ...EXPO_PICTURE, ...options };
  const VERSION_W = o.versionWidth;
  const BRIDGE_W = o.groupWidth;
  const inLegend = (s: OutcomeStyle) => (o.alwaysInLegend ? o.alwaysInLegend.includes(s.result) : s.alwaysInLegend);
  const versions = Object.keys(data.versions).sort(semver.compare);
  const patchedVersions = new Set(
    Object.keys(data.cells)
      .map((k) => k.split(' '))
      .filter((p) => p[1] === 'patched')
      .map((p) => p[0]!),
  );
  const styles = outcomeStyles(Object.values(data.cells).map((c) => c.result));
  const style = new Map(styles.map((s) => [s.result, s]));

  const pairW = 2 * CELL_W + PAIR_GAP;
  const stride = pairW + COLUMN_GAP;
  const gridX = MARGIN + VERSION_W + BRIDGE_W;
  const longestTitle = Math.max(0, ...columns.map((c) => c.title.length)) * CHAR_W;
  const rad = (TITLE_ANGLE * Math.PI) / 180;
  const headerTop = 58;
  const gridY = headerTop + Math.ceil(longestTitle * Math.sin(rad)) + 18;
  const gridW = columns.length * stride - COLUMN_GAP;
  // Row tops: a gap with a rule in it where the native bridge generation changes.
  const rowY: number[] = [];
  for (const [r, version] of versions.entries()) {
    const groupStart = o.groupRules && r > 0 && bridgeOf(version) !== bridgeOf(versions[r - 1]!);
    rowY.push(r === 0 ? gridY : rowY[r - 1]! + ROW_STRIDE + (groupStart ? GROUP_GAP : 0));
  }
  const gridBottom = (rowY.at(-1) ?? gridY - ROW_STRIDE) + ROW_STRIDE;

  const out: string[] = [];
  const text = (x: number, y: number, s: string, attrs = '') => out.push(`<text x="${x}" y="${y}"${attrs}>${esc(s)}</text>`);

  // Column titles, rotated, each rising from the middle of its pair.
  for (const [i, c] of columns.entries()) {
    const x = gridX + i * stride + Math.round(pairW / 2);
    const y = gridY - 8;
    out.push(`<text x="${x}" y="${y}" transform="rotate(-${TITLE_ANGLE} ${x} ${y})">${esc(c.title)}</text>`);
  }
  text(MARGIN, gridY - 8, o.rowHeader, ' font-weight="bold"');
  text(MARGIN + VERSION_W, gridY - 8, o.groupHeader, ' font-weight="bold"');

  // Rows, with a rule where the native bridge generation changes.
  for (const [r, version] of versions.entries()) {
    const y = rowY[r]!;
    const bridge = bridgeOf(version);
    if (o.groupRules && r > 0 && bridge !== bridgeOf(versions[r - 1]!)) {
      const ruleY = y - 2 - GROUP_GAP / 2;
      out.push(`<line x1="${MARGIN}" y1="${ruleY}" x2="${gridX + gridW}" y2="${ruleY}" stroke="#999999" stroke-width="1"/>`);
    }
    text(MARGIN, y + CELL_H - 3, version);
    text(MARGIN + VERSION_W, y + CELL_H - 3, bridge, ' fill="#595959"');
    for (const [i, c] of columns.entries()) {
      for (const [v, variant] of VARIANTS.entries()) {
        const key = `${version} ${variant} ${c.name}`;
        const result = data.cells[key]?.result ?? (variant === 'patched' && !patchedVersions.has(version) ? NO_PATCH : NOT_RUN);
        const x = gridX + i * stride + v * (CELL_W + PAIR_GAP);
        const readings = data.cells[key]?.readings;
        const others = readings
          ? `; ${Object.entries(readings)
              .map(([reading, r]) => `${r} under ${reading}`)
              .join('; ')}`
          : '';
        out.push(
          `<rect x="${x}" y="${y}" width="${CELL_W}" height="${CELL_H}" ${cellPaint(result, style)} data-cell="${esc(key)}" data-result="${esc(result)}"><title>${esc(`${o.rowHeader} ${version} ${variant}, ${c.title}: ${result}${others}`)}</title></rect>`,
        );
        // A verdict that depends on an assumed rule of the fakes: a white dot in the cell (the .md lists the readings).
        if (readings)
          out.push(`<circle cx="${x + CELL_W / 2}" cy="${y + CELL_H / 2}" r="2" fill="#ffffff" stroke="#000000" stroke-width="0.5"/>`);
      }
    }
  }

  // Legend: how a pair reads, then every outcome shown (the listed ones always, others when present).
  const present = new Set(Object.values(data.cells).map((c) => c.result));
  const drawnMissing = new Set<string>();
  for (const version of versions)
    for (const c of columns)
      for (const variant of VARIANTS)
        if (!data.cells[`${version} ${variant} ${c.name}`])
          drawnMissing.add(variant === 'patched' && !patchedVersions.has(version) ? NO_PATCH : NOT_RUN);
  const items: { paint: string; label: string }[] = [
    ...styles
      .filter((s) => inLegend(s) || present.has(s.result))
      .map((s) => ({ paint: cellPaint(s.result, style), label: s.meaning ? `${s.result}: ${s.meaning.replace(/`/g, '')}` : s.result })),
    ...[NO_PATCH, NOT_RUN]
      .filter((m) => drawnMissing.has(m))
      .map((m) => ({
        paint: cellPaint(m, style),
        label:
          m === NO_PATCH ? `${NO_PATCH} for this version (patched column empty)` : `${NOT_RUN}: docs/session-matrix.json has no such cell`,
      })),
  ];
  let ly = gridBottom + 24;
  const pairLabel = o.pairLabel;
  out.push(`<rect x="${MARGIN}" y="${ly}" width="${CELL_W}" height="${CELL_H}" fill="#ffffff" stroke="#595959" stroke-width="1"/>`);
  text(MARGIN + 3, ly + CELL_H - 3, 'P', ' font-size="9"');
  out.push(
    `<rect x="${MARGIN + CELL_W + PAIR_GAP}" y="${ly}" width="${CELL_W}" height="${CELL_H}" fill="#ffffff" stroke="#595959" stroke-width="1"/>`,
  );
  text(MARGIN + CELL_W + PAIR_GAP + 3, ly + CELL_H - 3, '+', ' font-size="9"');
  text(MARGIN + pairW + 8, ly + CELL_H - 3, pairLabel);
  for (const item of items) {
    ly += LEGEND_STRIDE;
    out.push(`<rect x="${MARGIN}" y="${ly}" width="${CELL_W}" height="${CELL_H}" ${item.paint}/>`);
    text(MARGIN + pairW + 8, ly + CELL_H - 3, item.label);
  }
  const legendW = Math.max(pairLabel.length, ...items.map((i) => i.label.length)) * CHAR_W + pairW + 8;
  const width = Math.ceil(Math.max(gridX + gridW + longestTitle * Math.cos(rad) + 8, MARGIN + legendW) + MARGIN);
  const height = ly + CELL_H + MARGIN;

  const title = o.title;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}" font-size="11" fill="#1a1a1a">`,
    `<title>${esc(title)}</title>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${MARGIN}" y="${MARGIN + 10}" font-size="15" font-weight="bold">${esc(title)}</text>`,
    `<text x="${MARGIN}" y="${MARGIN + 28}" fill="#595959">${esc(o.subtitle(versions.length, columns.length))}</text>`,
    ...out,
    '</svg>',
    '',
  ].join('\n');
}

/** Fill (and outline) of a cell with this result. */
function cellPaint(result: string, style: Map<string, OutcomeStyle>): string {
  if (result === NO_PATCH) return 'fill="#ffffff" stroke="#cccccc" stroke-width="1"';
  if (result === NOT_RUN) return 'fill="#ffffff" stroke="#808080" stroke-width="1" stroke-dasharray="2 2"';
  return `fill="${style.get(result)!.colour}"`;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
