import { html, nothing, render } from 'lit-html';
import { api } from '../api';
import { formatDate, formatNumber, t } from '../i18n';
import { badge, hash, loading, problem } from './common';

interface Outcome {
  ok: boolean;
  code?: string;
  message?: string;
}

interface CheckedEvent {
  revision: string;
  position: string;
  eventId: string;
  type: string;
  publisher: string;
  channel: string | null;
  time: string | null;
  receivedAt: string;
  audience: string[];
  hash: string;
  chain: Outcome;
  signature: Outcome & { kid?: string; keyStateAtReceipt?: string };
  schema: Outcome & { pointer?: string };
}

interface Checks {
  caseId: string;
  report: { ok: boolean; eventsVerified: number; checked: string[]; failure?: { kind: string; revision?: string; position?: string; message: string }; checkpoint?: { at: string } };
  events: CheckedEvent[];
}

interface Read {
  organization: string;
  subject: string;
  purpose: string;
  revision: number;
  at: string;
}

interface AsOf {
  at: string;
  revision: number;
  events: Array<{ revision: number; type: string; eventId: string; receivedAt: string }>;
  grants: Record<string, { grantedBy: string; purpose: string }>;
  consents: Record<string, unknown>;
}

/**
 * An auditor's case: the verdict on its whole history with the first failure located, a
 * badge per check beside each event, who read the case, what an organization could see at
 * an instant (a time slider), and the offline bundle.
 */
export function auditCasePage(el: HTMLElement, [caseId]: string[]): () => void {
  const id = encodeURIComponent(caseId!);
  let checks: Checks | undefined;
  let reads: Read[] | undefined;
  let error: unknown;
  let asOfOrg = '';
  let asOfIndex = 0;
  let asOf: AsOf | undefined;
  let asOfError: unknown;
  let exporting = false;
  let closed = false;

  /** The instants the slider steps through: each event's receipt, then now. */
  const instants = () => [...(checks?.events.map((e) => e.receivedAt) ?? []), new Date().toISOString()];

  const draw = () => {
    if (closed) return;
    const organizations = [...new Set(checks?.events.flatMap((e) => e.audience) ?? [])].sort();
    const steps = instants();
    render(
      html`<p><a href="#/audit">← ${t('nav.audit')}</a></p>
        <h1>${t('audit.caseTitle', { id: caseId! })}</h1>
        ${error ? problem(error) : nothing}
        ${!checks && !error ? loading() : nothing}
        ${checks
          ? html`<div class="verdict ${checks.report.ok ? 'ok' : 'ko'}" role="status" data-testid="verdict">
                <p>
                  <strong>${checks.report.ok ? `✓ ${t('audit.verified')}` : `✗ ${t('audit.failed')}`}</strong>
                  ${checks.report.ok
                    ? t('audit.verifiedDetail', { n: formatNumber(checks.report.eventsVerified), checked: checks.report.checked.map((c) => t(`check.${c}` as never)).join(', ') })
                    : html`${t('audit.firstFailure', { kind: t(`kind.${checks.report.failure?.kind}` as never), revision: checks.report.failure?.revision ?? '?' })}
                        <a href="#rev-${checks.report.failure?.revision}" @click=${(e: Event) => { e.preventDefault(); document.getElementById(`rev-${checks!.report.failure?.revision}`)?.focus(); }}>${t('audit.goToFailure')}</a>
                        <br /><span class="muted">${checks.report.failure?.message}</span>`}
                </p>
                <p>
                  <button type="button" @click=${() => void load()}>${t('audit.verifyAgain')}</button>
                  <button type="button" ?disabled=${exporting} @click=${() => void exportBundle()} data-testid="export">${t('audit.export')}</button>
                </p>
              </div>
              <table data-testid="checks">
                <caption>${t('audit.events', { n: formatNumber(checks.events.length) })}</caption>
                <thead>
                  <tr>
                    <th scope="col" class="num">${t('case.revision')}</th>
                    <th scope="col">${t('event.received')}</th>
                    <th scope="col">${t('event.channel')}</th>
                    <th scope="col">${t('event.type')}</th>
                    <th scope="col">${t('event.publisher')}</th>
                    <th scope="col">${t('case.hash')}</th>
                    <th scope="col">${t('audit.checksCol')}</th>
                  </tr>
                </thead>
                <tbody>
                  ${checks.events.map((e) => {
                    const failed = !e.chain.ok || !e.signature.ok || !e.schema.ok;
                    const first = checks!.report.failure?.revision === e.revision;
                    return html`<tr id="rev-${e.revision}" tabindex="-1" class=${first ? 'first-failure' : failed ? 'failed' : ''} data-revision=${e.revision} data-ok=${String(!failed)}>
                      <td class="num">${formatNumber(Number(e.revision))}${first ? html` <strong class="flag">${t('audit.firstFailureFlag')}</strong>` : nothing}</td>
                      <td>${formatDate(e.receivedAt)}</td>
                      <td>${e.channel ? t(`channel.${e.channel}` as never) : '—'}</td>
                      <td><code>${e.type}</code></td>
                      <td>${e.publisher}</td>
                      <td>${hash(e.hash)}</td>
                      <td class="badges">
                        ${badge(e.chain.ok, t('check.chain'), e.chain.message)}
                        ${badge(e.signature.ok, e.signature.kid ? t('audit.signatureBy', { kid: e.signature.kid, state: e.signature.keyStateAtReceipt ? t(`keyState.${e.signature.keyStateAtReceipt}` as never) : '?' }) : t('check.signatures'), e.signature.message)}
                        ${badge(e.schema.ok, t('check.schemas'), e.schema.pointer ? `${e.schema.pointer}: ${e.schema.message}` : e.schema.message)}
                        ${failed ? html`<p class="why">${[e.chain, e.signature, e.schema].filter((o) => !o.ok).map((o) => html`<span>${o.code}: ${o.message}</span><br />`)}</p>` : nothing}
                      </td>
                    </tr>`;
                  })}
                </tbody>
              </table>

              <section aria-labelledby="asof-title">
                <h2 id="asof-title">${t('audit.asOf')}</h2>
                <form class="row" @submit=${(e: Event) => e.preventDefault()}>
                  <label for="asof-org">${t('audit.asOfOrg')}</label>
                  <select id="asof-org" @change=${(e: Event) => { asOfOrg = (e.target as HTMLSelectElement).value; void loadAsOf(); }}>
                    <option value="" ?selected=${asOfOrg === ''}>${t('audit.pick')}</option>
                    ${organizations.map((o) => html`<option value=${o} ?selected=${o === asOfOrg}>${o}</option>`)}
                  </select>
                  <label for="asof-at">${t('audit.asOfAt')}</label>
                  <input id="asof-at" type="range" min="0" max=${steps.length - 1} step="1" .value=${String(asOfIndex)}
                    aria-valuetext=${formatDate(steps[asOfIndex] ?? '')}
                    @input=${(e: Event) => { asOfIndex = Number((e.target as HTMLInputElement).value); draw(); }}
                    @change=${() => void loadAsOf()} />
                  <output for="asof-at" data-testid="asof-instant">${formatDate(steps[asOfIndex] ?? '')}</output>
                </form>
                ${asOfError ? problem(asOfError) : nothing}
                ${asOf
                  ? html`<p data-testid="asof-summary">${t('audit.asOfSummary', { org: asOfOrg, n: formatNumber(asOf.events.length), at: formatDate(asOf.at) })}</p>
                      <ul>${asOf.events.map((e) => html`<li>${formatNumber(e.revision)} · <code>${e.type}</code> · ${formatDate(e.receivedAt)}</li>`)}</ul>
                      <p>${t('audit.grants')}${t('colon')}${Object.keys(asOf.grants).join(', ') || t('none')} ; ${t('audit.consents')}${t('colon')}${Object.keys(asOf.consents).join(', ') || t('none')}</p>`
                  : nothing}
              </section>

              <section aria-labelledby="reads-title">
                <h2 id="reads-title">${t('audit.reads')}</h2>
                ${!reads
                  ? loading()
                  : reads.length === 0
                    ? html`<p>${t('audit.noReads')}</p>`
                    : html`<table data-testid="reads">
                        <caption class="sr-only">${t('audit.reads')}</caption>
                        <thead><tr><th scope="col">${t('audit.readAt')}</th><th scope="col">${t('audit.reader')}</th><th scope="col">${t('audit.subject')}</th><th scope="col" class="num">${t('case.revision')}</th><th scope="col">${t('audit.purpose')}</th></tr></thead>
                        <tbody>${reads.map((r) => html`<tr><td>${formatDate(r.at)}</td><td>${r.organization}</td><td>${r.subject}</td><td class="num">${formatNumber(r.revision)}</td><td>${r.purpose}</td></tr>`)}</tbody>
                      </table>`}
              </section>`
          : nothing}`,
      el,
    );
  };

  const load = async () => {
    try {
      checks = await api<Checks>(`/audit/cases/${id}/checks`);
      error = undefined;
      asOfIndex = Math.min(asOfIndex || checks.events.length, checks.events.length);
    } catch (err) {
      error = err;
    }
    draw();
    try {
      reads = await api<Read[]>(`/cases/${id}/access-log`);
    } catch (err) {
      reads = [];
      error ??= err;
    }
    draw();
  };

  const loadAsOf = async () => {
    if (!asOfOrg) {
      asOf = undefined;
      draw();
      return;
    }
    try {
      asOf = await api<AsOf>(`/audit/cases/${id}/as-of?${new URLSearchParams({ organization: asOfOrg, at: instants()[asOfIndex]! })}`);
      asOfError = undefined;
    } catch (err) {
      asOfError = err;
    }
    draw();
  };

  const exportBundle = async () => {
    exporting = true;
    draw();
    try {
      const bundle = await api<unknown>(`/audit/cases/${id}/bundle`);
      const url = URL.createObjectURL(new Blob([JSON.stringify(bundle, null, 2)], { type: 'application/json' }));
      const a = Object.assign(document.createElement('a'), { href: url, download: `${caseId}.audit.json` });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      error = err;
    } finally {
      exporting = false;
      draw();
    }
  };

  draw();
  void load();
  return () => {
    closed = true;
  };
}
