import { html, nothing, render, type TemplateResult } from 'lit-html';
import { api } from '../api';
import { formatCurrency, formatNumber, formatPercent, t } from '../i18n';
import type { Session } from '../session';
import { loading, problem } from './common';

type Measure = number | null;

interface ChannelRow {
  day: string;
  channel: string;
  organization?: string;
  service?: string;
  segment?: string;
  suppressed: boolean;
  reason: 'fewer-than-k' | 'complementary' | null;
  cases: Measure;
  requests: Measure;
  digitalTakeUp: Measure;
  completionRate: Measure;
  timeToDecision: { p50: number; p90: number } | null;
  satisfaction: { responses: number; mean: number | null } | null;
  cost: { costedRequests: number; total: number; perCompletedRequest: number | null } | null;
}

interface ChannelsAnswer {
  from: string;
  to: string;
  k: number;
  position: string;
  tariff: { version: number; currency: string } | null;
  cells: ChannelRow[];
  totals: ChannelRow[];
}

interface HandoffRow {
  day: string;
  kind: string;
  suppressed: boolean;
  reason: string | null;
  handoffs: Measure;
  pickedUp: Measure;
  wait: { p50: number; p90: number } | null;
}

interface HandoffsAnswer {
  k: number;
  totals: HandoffRow[];
}

const DAY = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * The channel dashboards over GET /insights/channels and /insights/handoffs: federation-wide
 * totals per day and channel, each chart with its table beside it, and the caller's own cells;
 * a suppressed figure (fewer than k cases, or complementary) is shown as such, never as zero.
 */
export function dashboardsPage(el: HTMLElement, _params: string[], session: Session): () => void {
  let from = isoDay(Date.now() - 29 * DAY);
  let to = isoDay(Date.now());
  let channels: ChannelsAnswer | undefined;
  let handoffs: HandoffsAnswer | undefined;
  let error: unknown;
  let closed = false;
  const charts: Array<{ dispose(): void }> = [];
  const hash = new URLSearchParams(location.hash.split('?')[1] ?? '');
  if (hash.get('from')) from = hash.get('from')!;
  if (hash.get('to')) to = hash.get('to')!;

  const hours = (seconds: number) => `${formatNumber(seconds / 3600, { maximumFractionDigits: 1 })} h`;
  const currency = () => channels?.tariff?.currency ?? 'EUR';

  /** One figure, or why there is none. */
  const cell = (row: ChannelRow | HandoffRow | undefined, value: Measure | undefined, format: (v: number) => string): TemplateResult => {
    if (!row) return html`<span class="muted">—</span>`;
    if (row.suppressed) return html`<span class="suppressed" title=${t(`suppressed.${row.reason ?? 'fewer-than-k'}` as never, { k: String(channels?.k ?? 5) })}>${t('suppressed.short')}</span>`;
    return value === null || value === undefined ? html`<span class="muted">—</span>` : html`${format(value)}`;
  };

  const days = () => [...new Set((channels?.totals ?? []).map((r) => r.day))].sort();
  const channelNames = () => [...new Set((channels?.totals ?? []).map((r) => r.channel).filter((c) => c !== '*'))].sort();
  const total = (day: string, channel: string) => channels?.totals.find((r) => r.day === day && r.channel === channel);
  const value = (row: ChannelRow | undefined, pick: (r: ChannelRow) => Measure | undefined): number | null => (row && !row.suppressed ? (pick(row) ?? null) : null);

  interface Panel {
    id: string;
    title: string;
    format: (v: number) => string;
    /** Per channel, or one series over all channels. */
    byChannel: boolean;
    pick: (r: ChannelRow) => Measure | undefined;
    kind: 'bar' | 'line';
    stack?: boolean;
  }

  const panels = (): Panel[] => [
    { id: 'requests', title: t('dash.requests'), format: (v) => formatNumber(v), byChannel: true, pick: (r) => r.requests, kind: 'bar', stack: true },
    { id: 'takeup', title: t('dash.takeUp'), format: formatPercent, byChannel: false, pick: (r) => r.digitalTakeUp, kind: 'line' },
    { id: 'completion', title: t('dash.completion'), format: formatPercent, byChannel: true, pick: (r) => r.completionRate, kind: 'line' },
    { id: 'ttd', title: t('dash.timeToDecision'), format: hours, byChannel: true, pick: (r) => r.timeToDecision?.p50 ?? null, kind: 'bar' },
    { id: 'satisfaction', title: t('dash.satisfaction'), format: (v) => formatNumber(v, { maximumFractionDigits: 2 }), byChannel: true, pick: (r) => r.satisfaction?.mean ?? null, kind: 'bar' },
    { id: 'cost', title: t('dash.cost', { currency: currency() }), format: (v) => formatCurrency(v, currency()), byChannel: true, pick: (r) => r.cost?.perCompletedRequest ?? null, kind: 'bar' },
  ];

  const panelTable = (p: Panel) => {
    const columns = p.byChannel ? channelNames() : ['*'];
    return html`<table data-testid="table-${p.id}">
      <caption class="sr-only">${p.title}</caption>
      <thead><tr><th scope="col">${t('dash.day')}</th>${columns.map((c) => html`<th scope="col" class="num">${c === '*' ? t('dash.allChannels') : t(`channel.${c}` as never)}</th>`)}</tr></thead>
      <tbody>${days().map((d) => html`<tr><th scope="row">${d}</th>${columns.map((c) => { const row = total(d, c); return html`<td class="num" data-day=${d} data-channel=${c}>${cell(row, row ? p.pick(row) : undefined, p.format)}</td>`; })}</tr>`)}</tbody>
    </table>`;
  };

  const draw = () => {
    if (closed) return;
    const own = (channels?.cells ?? []).filter((c) => c.organization === session.organization.id || session.roles.some((r) => r === 'auditor' || r === 'operator'));
    render(
      html`<h1>${t('dash.title')}</h1>
        <form class="row" @submit=${(e: Event) => { e.preventDefault(); const f = new FormData(e.target as HTMLFormElement); from = String(f.get('from')); to = String(f.get('to')); void load(); }}>
          <label for="from">${t('dash.from')}</label><input id="from" name="from" type="date" .value=${from} required />
          <label for="to">${t('dash.to')}</label><input id="to" name="to" type="date" .value=${to} required />
          <button type="submit">${t('dash.show')}</button>
        </form>
        ${error ? problem(error) : nothing}
        ${!channels && !error ? loading() : nothing}
        ${channels
          ? html`<p class="muted" data-testid="dash-meta">${t('dash.meta', { k: String(channels.k), position: channels.position, tariff: channels.tariff ? `${channels.tariff.currency} v${channels.tariff.version}` : t('dash.noTariff') })}</p>
              ${days().length === 0
                ? html`<p>${t('dash.empty')}</p>`
                : html`${panels().map(
                    (p) => html`<section class="panel" aria-labelledby="h-${p.id}">
                      <h2 id="h-${p.id}">${p.title}</h2>
                      <div class="panel-body">
                        <div class="chart" id="chart-${p.id}" role="img" aria-label=${t('dash.chartOf', { title: p.title })}></div>
                        ${panelTable(p)}
                      </div>
                    </section>`,
                  )}
                  <section class="panel" aria-labelledby="h-handoffs">
                    <h2 id="h-handoffs">${t('dash.handoffs')}</h2>
                    <div class="panel-body">
                      <div class="chart" id="chart-handoffs" role="img" aria-label=${t('dash.chartOf', { title: t('dash.handoffs') })}></div>
                      <table data-testid="table-handoffs">
                        <caption class="sr-only">${t('dash.handoffs')}</caption>
                        <thead><tr><th scope="col">${t('dash.day')}</th><th scope="col" class="num">${t('dash.transfers')}</th><th scope="col" class="num">${t('dash.invitations')}</th><th scope="col" class="num">${t('dash.waitP50')}</th></tr></thead>
                        <tbody>${days().map((d) => {
                          const of = (kind: string) => handoffs?.totals.find((r) => r.day === d && r.kind === kind);
                          return html`<tr><th scope="row">${d}</th><td class="num">${cell(of('transfer'), of('transfer')?.handoffs, (v) => formatNumber(v))}</td><td class="num">${cell(of('invitation'), of('invitation')?.handoffs, (v) => formatNumber(v))}</td><td class="num">${cell(of('*'), of('*')?.wait?.p50 ?? null, hours)}</td></tr>`;
                        })}</tbody>
                      </table>
                    </div>
                  </section>`}
              <section aria-labelledby="h-cells">
                <h2 id="h-cells">${t('dash.cells')}</h2>
                <table data-testid="cells">
                  <caption>${t('dash.cellsCaption', { n: formatNumber(Math.min(own.length, 40)), total: formatNumber(own.length) })}</caption>
                  <thead><tr><th scope="col">${t('dash.day')}</th><th scope="col">${t('audit.reader')}</th><th scope="col">${t('dash.service')}</th><th scope="col">${t('event.channel')}</th><th scope="col">${t('dash.segment')}</th><th scope="col" class="num">${t('dash.requestsShort')}</th><th scope="col" class="num">${t('dash.completionShort')}</th></tr></thead>
                  <tbody>${own.slice(0, 40).map((c) => html`<tr data-suppressed=${String(c.suppressed)}><td>${c.day}</td><td>${c.organization}</td><td>${c.service}</td><td>${t(`channel.${c.channel}` as never)}</td><td>${c.segment}</td><td class="num">${cell(c, c.requests, (v) => formatNumber(v))}</td><td class="num">${cell(c, c.completionRate, formatPercent)}</td></tr>`)}</tbody>
                </table>
              </section>`
          : nothing}`,
      el,
    );
    void drawCharts();
  };

  const drawCharts = async () => {
    if (!channels || days().length === 0) return;
    const { drawChart } = await import('./charts');
    if (closed) return;
    for (const c of charts.splice(0)) c.dispose();
    const categories = days();
    for (const p of panels()) {
      const target = el.querySelector<HTMLElement>(`#chart-${p.id}`);
      if (!target) continue;
      const series = p.byChannel
        ? channelNames().map((c) => ({ name: t(`channel.${c}` as never), kind: p.kind, stack: p.stack ? 'all' : undefined, values: categories.map((d) => value(total(d, c), p.pick)) }))
        : [{ name: t('dash.allChannels'), kind: p.kind, values: categories.map((d) => value(total(d, '*'), p.pick)) }];
      charts.push(drawChart(target, categories, series, p.format, t('dash.chartDescription', { title: p.title })));
    }
    const target = el.querySelector<HTMLElement>('#chart-handoffs');
    if (target && handoffs) {
      const of = (d: string, kind: string) => { const r = handoffs!.totals.find((x) => x.day === d && x.kind === kind); return r && !r.suppressed ? r.handoffs : null; };
      charts.push(drawChart(target, categories, [
        { name: t('dash.transfers'), kind: 'bar', stack: 'h', values: categories.map((d) => of(d, 'transfer')) },
        { name: t('dash.invitations'), kind: 'bar', stack: 'h', values: categories.map((d) => of(d, 'invitation')) },
      ], (v) => formatNumber(v), t('dash.chartDescription', { title: t('dash.handoffs') })));
    }
  };

  const load = async () => {
    error = undefined;
    channels = undefined;
    draw();
    try {
      const range = new URLSearchParams({ from, to });
      [channels, handoffs] = await Promise.all([api<ChannelsAnswer>(`/insights/channels?${range}`), api<HandoffsAnswer>(`/insights/handoffs?${range}`)]);
    } catch (err) {
      error = err;
    }
    draw();
  };

  void load();
  return () => {
    closed = true;
    for (const c of charts.splice(0)) c.dispose();
  };
}
