/**
 * How the matrix shows each cell result (verdict.ts decides them): the words of the Markdown
 * legend and the colour of the picture. One line per outcome: a new outcome (say `hang`) is one
 * more line here; until it has one, the renderers still show it, in a fallback colour, named as is.
 */
export interface OutcomeStyle {
  result: string;
  /** Meaning, in the Markdown legend and the picture's legend (after the result itself). */
  meaning: string;
  /** Fill of its cells in docs/session-matrix.svg. */
  colour: string;
  /** Listed in the Markdown legend even when no cell has it. */
  alwaysInLegend: boolean;
}

export const OUTCOMES: readonly OutcomeStyle[] = [
  { result: 'kept', meaning: 'still signed in', colour: '#1a9850', alwaysInLegend: true },
  { result: 'lost', meaning: 'signed out (or the session ended) without asking', colour: '#d73027', alwaysInLegend: true },
  { result: 'signed out', meaning: 'signed out as expected', colour: '#4575b4', alwaysInLegend: true },
  {
    result: 'stuck',
    meaning: 'still signed in after a sign-out / server-side end, and after a cold relaunch',
    colour: '#984ea3',
    alwaysInLegend: true,
  },
  {
    result: 'stuck until restart',
    meaning: 'still signed in after a sign-out / server-side end, until the app is killed and started again',
    colour: '#fdae61',
    alwaysInLegend: true,
  },
  {
    result: 'hang',
    meaning: 'never finished loading (isLoaded stays false): the app hangs on its loading screen',
    colour: '#8c510a',
    alwaysInLegend: false,
  },
  {
    result: 'never settled',
    meaning:
      'loaded, but something the app started (the native bootstrap, a client reload, a sign-out) never finished: the app waits on it',
    colour: '#c51b7d',
    alwaysInLegend: false,
  },
  {
    result: '—',
    meaning: 'not applicable (no native module in 3.0.1; 3.4.2–3.7.8 cannot start on Android without it)',
    colour: '#e6e6e6',
    alwaysInLegend: true,
  },
  { result: 'not modelled', meaning: '', colour: '#b3b3b3', alwaysInLegend: true },
  {
    result: 'no token',
    meaning: 'still signed in, but getToken() gives no token (clerk-js: "offline"), so every authenticated request fails',
    colour: '#fee08b',
    alwaysInLegend: false,
  },
  { result: 'error', meaning: 'the run failed (`npm run matrix -- --json` gives the message)', colour: '#252525', alwaysInLegend: false },
];

/** Colours for results OUTCOMES does not list yet, handed out in the order of their names. */
const FALLBACK = ['#ff7f00', '#e7298a', '#a6761d', '#66c2a5', '#ffd92f', '#8da0cb'];

/**
 * The styles for `results` (the results present in the data): every OUTCOMES entry, in its order,
 * then each result OUTCOMES does not know, sorted, with a fallback colour and no meaning.
 */
export function outcomeStyles(results: Iterable<string>): OutcomeStyle[] {
  const known = new Set(OUTCOMES.map((o) => o.result));
  const unknown = [...new Set(results)].filter((r) => !known.has(r)).sort();
  return [
    ...OUTCOMES,
    ...unknown.map((result, i) => ({ result, meaning: '', colour: FALLBACK[i % FALLBACK.length]!, alwaysInLegend: false })),
  ];
}
