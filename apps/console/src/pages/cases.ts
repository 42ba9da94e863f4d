import { html, nothing, render } from 'lit-html';
import { api } from '../api';
import { formatDate, formatNumber, t } from '../i18n';
import { hash, loading, problem } from './common';

interface CaseSummary {
  caseId: string;
  status: string;
  owner: string | null;
  title: string | null;
  revision: number;
  hash: string;
  updatedAt: string;
}

/**
 * The first screenful is drawn at once; every other row in the next frame, in one pass. The
 * browser lays out the whole table again each time rows are added to it (measured: layout was
 * most of the page's time when the rows came 200 per frame, six layouts of up to 1,000 rows),
 * so two passes are the fewest that still show the first rows before the thousandth is ready.
 */
const FIRST_ROWS = 60;

/** The cases the organization takes part in, most recently updated first, searchable by id or title. */
export function casesPage(el: HTMLElement): () => void {
  let cases: CaseSummary[] | undefined;
  let error: unknown;
  let query = new URLSearchParams(location.hash.split('?')[1] ?? '').get('q') ?? '';
  let timer: ReturnType<typeof setTimeout> | undefined;
  let ticket = 0;
  /** Rows drawn so far: the first screenful at once, the rest in the next frame, so the page is usable at once. */
  let shown = 0;
  let frame = 0;
  let later: ReturnType<typeof setTimeout> | undefined;

  const draw = () =>
    render(
      html`<h1>${t('cases.title')}</h1>
        <form role="search" @submit=${(e: Event) => e.preventDefault()}>
          <label for="q">${t('cases.search')}</label>
          <input id="q" type="search" .value=${query} placeholder=${t('cases.searchHint')} @input=${(e: Event) => search((e.target as HTMLInputElement).value)} />
        </form>
        ${error ? problem(error) : nothing}
        ${cases === undefined
          ? loading()
          : cases.length === 0
            ? html`<p data-testid="no-cases">${query ? t('cases.noMatch', { q: query }) : t('cases.none')}</p>`
            : html`<table data-testid="cases" class="long">
                <caption>${t('cases.count', { n: formatNumber(cases.length) })}</caption>
                <thead>
                  <tr>
                    <th scope="col">${t('case.id')}</th>
                    <th scope="col">${t('case.titleCol')}</th>
                    <th scope="col">${t('case.status')}</th>
                    <th scope="col">${t('case.owner')}</th>
                    <th scope="col" class="num">${t('case.revision')}</th>
                    <th scope="col">${t('case.hash')}</th>
                    <th scope="col">${t('case.updated')}</th>
                  </tr>
                </thead>
                <tbody>
                  ${cases.slice(0, shown).map(
                    (c) => html`<tr>
                      <td><a href="#/cases/${encodeURIComponent(c.caseId)}">${c.caseId}</a></td>
                      <td>${c.title ?? html`<span class="muted">${t('case.notShared')}</span>`}</td>
                      <td>${t(`status.${c.status}` as never)}</td>
                      <td>${c.owner ?? html`<span class="muted">${t('case.notShared')}</span>`}</td>
                      <td class="num">${formatNumber(c.revision)}</td>
                      <td>${hash(c.hash)}</td>
                      <td>${formatDate(c.updatedAt)}</td>
                    </tr>`,
                  )}
                </tbody>
              </table>`}`,
      el,
    );

  const load = async () => {
    const mine = ++ticket;
    try {
      const params = new URLSearchParams({ limit: '1000' });
      if (query.trim()) params.set('q', query.trim());
      const list = await api<CaseSummary[]>(`/cases?${params}`);
      if (mine !== ticket) return;
      performance.mark('cases:received');
      cases = list;
      error = undefined;
    } catch (err) {
      if (mine !== ticket) return;
      error = err;
      cases = [];
    }
    shown = Math.min(FIRST_ROWS, cases.length);
    draw();
    performance.mark('cases:first-rows');
    cancelAnimationFrame(frame);
    clearTimeout(later);
    // A task queued from the next frame's animation callback runs after that frame is painted:
    // the first rows are on screen before the rest is laid out.
    frame = requestAnimationFrame(() => {
      later = setTimeout(() => {
        if (mine !== ticket || !cases || shown >= cases.length) return;
        shown = cases.length;
        draw();
        performance.mark('cases:all-rows');
      }, 0);
    });
  };

  const search = (value: string) => {
    query = value;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void load(), 250);
  };

  draw();
  void load();
  return () => {
    ticket++;
    cancelAnimationFrame(frame);
    clearTimeout(later);
    if (timer) clearTimeout(timer);
  };
}
