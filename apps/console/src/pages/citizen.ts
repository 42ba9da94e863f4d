import { html, nothing, render } from 'lit-html';
import { api } from '../api';
import { formatDate, formatNumber, t } from '../i18n';
import { loading, problem } from './common';

interface CitizenRead {
  caseId: string;
  organization: string;
  organizationName: string | null;
  purpose: string;
  note?: string;
  at: string;
}

/**
 * The citizen's own log, for the single window: the citizen named by the single window's own
 * reference, and every read of any of their cases by any organization — who, when, why.
 */
export function citizenPage(el: HTMLElement): () => void {
  let reference = '';
  let reads: CitizenRead[] | undefined;
  let error: unknown;
  let busy = false;
  let ticket = 0;

  const draw = () =>
    render(
      html`<h1>${t('citizen.title')}</h1>
        <p>${t('citizen.intro')}</p>
        <form
          data-testid="citizen-form"
          @submit=${(e: Event) => {
            e.preventDefault();
            void load();
          }}
        >
          <label for="citizen">${t('citizen.reference')}</label>
          <input id="citizen" name="citizen" required autocomplete="off" .value=${reference} @input=${(e: Event) => (reference = (e.target as HTMLInputElement).value)} />
          <button type="submit">${t('citizen.show')}</button>
        </form>
        ${error ? problem(error) : nothing}
        ${
          busy
            ? loading()
            : !reads
              ? nothing
              : reads.length === 0
                ? html`<p data-testid="citizen-none">${t('citizen.none')}</p>`
                : html`<table data-testid="citizen-log">
                    <caption>
                      ${t('citizen.count', { n: formatNumber(reads.length) })}
                    </caption>
                    <thead>
                      <tr>
                        <th scope="col">${t('audit.readAt')}</th>
                        <th scope="col">${t('audit.reader')}</th>
                        <th scope="col">${t('case.id')}</th>
                        <th scope="col">${t('audit.purpose')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      ${reads.map(
                        (r) =>
                          html`<tr data-org=${r.organization}>
                            <td>${formatDate(r.at)}</td>
                            <td>
                              ${r.organizationName ?? r.organization}
                              <span class="muted">(${r.organization})</span>
                            </td>
                            <td>${r.caseId}</td>
                            <td><code>${r.purpose}</code>${r.note ? html` — ${r.note}` : nothing}</td>
                          </tr>`,
                      )}
                    </tbody>
                  </table>`
        }`,
      el,
    );

  const load = async () => {
    const mine = ++ticket;
    const wanted = reference.trim();
    if (!wanted) return;
    busy = true;
    error = undefined;
    draw();
    try {
      const result = await api<CitizenRead[]>(`/citizens/${encodeURIComponent(wanted)}/access-log`);
      if (mine !== ticket) return;
      reads = result;
    } catch (err) {
      if (mine !== ticket) return;
      reads = undefined;
      error = err;
    }
    busy = false;
    draw();
  };

  draw();
  return () => {
    ticket++;
  };
}
