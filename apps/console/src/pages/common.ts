import { html, nothing, type TemplateResult } from 'lit-html';
import { ApiError } from '../api';
import { t } from '../i18n';

/** What the hub said, as it said it: status, code and message. */
export function problem(error: unknown): TemplateResult {
  if (error instanceof ApiError) {
    return html`<div class="problem" role="alert" data-testid="problem">
      <p><strong>${error.status === 404 ? t('error.notFound') : error.status === 403 ? t('error.forbidden') : t('error.refused', { status: String(error.status) })}</strong></p>
      <p><code>${error.code}</code> ${error.message}</p>
    </div>`;
  }
  return html`<div class="problem" role="alert" data-testid="problem"><p>${(error as Error)?.message ?? String(error)}</p></div>`;
}

/** A chain hash, shortened on screen and whole for copy and assistive technology. */
export function hash(value: string | null | undefined): TemplateResult | typeof nothing {
  if (!value) return nothing;
  // The whole hash is in the title and, for screen readers, in a visually hidden span.
  return html`<code class="hash" title=${value}>${value.slice(0, 12)}<span aria-hidden="true">…</span><span class="sr-only">${value.slice(12)}</span></code>`;
}

/** The organization id in an envelope's source (urn:passerelle:org:<id>). */
export function publisherOf(source: string): string {
  return /^urn:passerelle:org:(.+)$/.exec(source)?.[1] ?? source;
}

export const loading = () => html`<p class="muted" role="status">${t('loading')}</p>`;

/** A check shown as text and colour, never colour alone. */
export function badge(ok: boolean, label: string, detail?: string): TemplateResult {
  return html`<span class="badge ${ok ? 'ok' : 'ko'}" title=${detail ?? ''}><span aria-hidden="true">${ok ? '✓' : '✗'}</span> ${label}${detail && !ok ? html`<span class="sr-only">: ${detail}</span>` : nothing}</span>`;
}
