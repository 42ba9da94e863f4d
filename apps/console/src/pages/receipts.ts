import { html, nothing, render } from 'lit-html';
import { api } from '../api';
import { formatDate, formatNumber, t } from '../i18n';
import { badge, hash, loading, problem } from './common';

interface Receipt {
  eventId: string | null;
  caseId: string | null;
  status: 'accepted' | 'rejected';
  receivedAt: string;
  revision?: number;
  hash?: string;
  code?: string;
  reason?: string;
  errors?: Array<{ pointer: string; keyword?: string; message: string }>;
}

/** A publisher's receipts, newest first: accepted with where the event stands, rejected with why and where. */
export function receiptsPage(el: HTMLElement): () => void {
  let receipts: Array<{ seq: number; receipt: Receipt }> | undefined;
  let error: unknown;
  let only: '' | 'rejected' = '';
  let closed = false;

  const draw = () => {
    if (closed) return;
    render(
      html`<h1>${t('receipts.title')}</h1>
        <fieldset class="row">
          <legend>${t('receipts.show')}</legend>
          <label><input type="radio" name="only" value="" .checked=${only === ''} @change=${() => { only = ''; void load(); }} /> ${t('receipts.all')}</label>
          <label><input type="radio" name="only" value="rejected" .checked=${only === 'rejected'} @change=${() => { only = 'rejected'; void load(); }} /> ${t('receipts.rejectedOnly')}</label>
        </fieldset>
        ${error ? problem(error) : nothing}
        ${!receipts
          ? loading()
          : receipts.length === 0
            ? html`<p>${t('receipts.none')}</p>`
            : html`<table data-testid="receipts">
                <caption>${t('receipts.count', { n: formatNumber(receipts.length) })}</caption>
                <thead><tr><th scope="col">${t('event.received')}</th><th scope="col">${t('receipts.event')}</th><th scope="col">${t('case.id')}</th><th scope="col">${t('receipts.outcome')}</th><th scope="col">${t('receipts.detail')}</th></tr></thead>
                <tbody>
                  ${receipts.map(
                    ({ receipt: r }) => html`<tr data-status=${r.status} data-event=${r.eventId ?? ''}>
                      <td>${formatDate(r.receivedAt)}</td>
                      <td><code>${r.eventId ?? '—'}</code></td>
                      <td>${r.caseId ?? '—'}</td>
                      <td>${badge(r.status === 'accepted', t(`receipt.${r.status}` as never))}</td>
                      <td>
                        ${r.status === 'accepted'
                          ? html`${t('receipts.at', { revision: formatNumber(r.revision ?? 0) })} ${hash(r.hash)}`
                          : html`<code>${r.code}</code> ${r.reason}
                              ${r.errors?.length
                                ? html`<ul class="paths">${r.errors.map((e) => html`<li><code class="pointer">${e.pointer || '/'}</code> ${e.message}</li>`)}</ul>`
                                : nothing}`}
                      </td>
                    </tr>`,
                  )}
                </tbody>
              </table>`}`,
      el,
    );
  };

  const load = async () => {
    try {
      receipts = await api<Array<{ seq: number; receipt: Receipt }>>(`/receipts?limit=200${only ? `&status=${only}` : ''}`);
      error = undefined;
    } catch (err) {
      error = err;
    }
    draw();
  };

  draw();
  void load();
  // Receipts arrive as publishers send: look again every few seconds while the page is open.
  const timer = setInterval(() => void load(), 5000);
  return () => {
    closed = true;
    clearInterval(timer);
  };
}
