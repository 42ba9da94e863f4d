/** The columns of each report's CSV, as paths into its JSON rows; `row` says cell or total. */
const MEASURES_CHANNELS = [
  'cases', 'contacts', 'requests', 'digitalRequests', 'assistedRequests', 'digitalTakeUp', 'decided', 'completionRate',
  'timeToDecision.p50', 'timeToDecision.p90',
  'satisfaction.responses', 'satisfaction.mean', 'satisfaction.distribution.1', 'satisfaction.distribution.2', 'satisfaction.distribution.3', 'satisfaction.distribution.4', 'satisfaction.distribution.5',
  'cost.costedRequests', 'cost.total', 'cost.perCompletedRequest',
];
const MEASURES_JOURNEYS = [
  'cases', 'decided', 'channels.mean', 'channels.distribution.1', 'channels.distribution.2', 'channels.distribution.3', 'channels.distribution.4+', 'switchedShare',
  'repeatContacts.mean', 'repeatContacts.p50', 'repeatContacts.p90',
];
const MEASURES_HANDOFFS = ['cases', 'handoffs', 'pickedUp', 'waiting', 'wait.p50', 'wait.p90'];

export const CSV_COLUMNS: Record<'channels' | 'journeys' | 'handoffs', string[]> = {
  channels: ['row', 'day', 'organization', 'service', 'channel', 'segment', 'suppressed', 'reason', ...MEASURES_CHANNELS],
  journeys: ['row', 'day', 'organization', 'service', 'channel', 'segment', 'suppressed', 'reason', ...MEASURES_JOURNEYS],
  handoffs: ['row', 'day', 'from', 'to', 'kind', 'suppressed', 'reason', ...MEASURES_HANDOFFS],
};

function at(row: Record<string, unknown>, path: string): unknown {
  let value: unknown = row;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** RFC 4180: quote a field holding a comma, a quote or a line break. */
const field = (value: unknown): string => {
  if (value === undefined || value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

export function toCsv(columns: readonly string[], answer: { cells: object[]; totals: object[] }): string {
  const rows = [
    ...answer.cells.map((c) => ({ row: 'cell', ...c })),
    ...answer.totals.map((t) => ({ row: 'total', ...t })),
  ] as Array<Record<string, unknown>>;
  return [columns.join(','), ...rows.map((r) => columns.map((c) => field(at(r, c))).join(','))].join('\r\n') + '\r\n';
}
