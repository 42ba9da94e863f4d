import { html, nothing, render } from 'lit-html';
import { api } from '../api';
import { formatNumber, t } from '../i18n';
import { hash, loading, problem } from './common';

interface Listing {
  total: number;
  cases: Array<{ caseId: string; revision: number; hash: string }>;
}

/** Every case in the store, for auditors: unfiltered by sharing, each with its recorded head. */
export function auditCasesPage(el: HTMLElement): () => void {
  let listing: Listing | undefined;
  let error: unknown;
  let query = '';
  let timer: ReturnType<typeof setTimeout> | undefined;
  let ticket = 0;

  const draw = () =>
    render(
      html`<h1>${t('audit.casesTitle')}</h1>
        <form role="search" @submit=${(e: Event) => e.preventDefault()}>
          <label for="q">${t('audit.search')}</label>
          <input id="q" type="search" .value=${query} @input=${(e: Event) => search((e.target as HTMLInputElement).value)} />
        </form>
        ${error ? problem(error) : nothing}
        ${!listing
          ? loading()
          : listing.cases.length === 0
            ? html`<p>${t('cases.none')}</p>`
            : html`<table data-testid="audit-cases">
                <caption>${t('audit.count', { n: formatNumber(listing.cases.length), total: formatNumber(listing.total) })}</caption>
                <thead><tr><th scope="col">${t('case.id')}</th><th scope="col" class="num">${t('case.revision')}</th><th scope="col">${t('audit.head')}</th></tr></thead>
                <tbody>
                  ${listing.cases.map((c) => html`<tr><td><a href="#/audit/${encodeURIComponent(c.caseId)}">${c.caseId}</a></td><td class="num">${formatNumber(c.revision)}</td><td>${hash(c.hash)}</td></tr>`)}
                </tbody>
              </table>`}`,
      el,
    );

  const load = async () => {
    const mine = ++ticket;
    try {
      const params = new URLSearchParams({ limit: '1000' });
      if (query.trim()) params.set('q', query.trim());
      const result = await api<Listing>(`/audit/cases?${params}`);
      if (mine !== ticket) return;
      listing = result;
      error = undefined;
    } catch (err) {
      if (mine === ticket) error = err;
    }
    draw();
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
    if (timer) clearTimeout(timer);
  };
}
