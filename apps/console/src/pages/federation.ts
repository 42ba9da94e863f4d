import { html, nothing, render } from 'lit-html';
import { api } from '../api';
import { formatDate, t } from '../i18n';
import { loading, problem } from './common';

interface Key {
  kid: string;
  alg: string;
  validFrom: string;
  validUntil?: string;
  revokedAt?: string;
  revocationReason?: string;
  state: string;
}

interface Organization {
  id: string;
  name: string;
  issuers: string[];
  roles: string[];
  keys: Key[];
}

/** The federation: members, their roles and issuers, and each key's validity over time. */
export function federationPage(el: HTMLElement): void {
  let organizations: Organization[] | undefined;
  let error: unknown;

  const history = (k: Key) => [
    t('federation.validFrom', { at: formatDate(k.validFrom) }),
    ...(k.validUntil ? [t('federation.validUntil', { at: formatDate(k.validUntil) })] : []),
    ...(k.revokedAt ? [t('federation.revokedAt', { at: formatDate(k.revokedAt), reason: k.revocationReason ?? '' })] : []),
  ];

  const draw = () =>
    render(
      html`<h1>${t('federation.title')}</h1>
        ${error ? problem(error) : nothing}
        ${!organizations
          ? loading()
          : organizations.map(
              (o) => html`<section class="org" aria-labelledby="org-${o.id}" data-org=${o.id}>
                <h2 id="org-${o.id}">${o.name} <code>${o.id}</code></h2>
                <p>${t('federation.roles')}${t('colon')}${o.roles.map((r) => t(`role.${r}` as never)).join(', ')} · ${t('federation.issuers')}${t('colon')}${o.issuers.map((i) => html`<code>${i}</code> `)}</p>
                <table>
                  <caption class="sr-only">${t('federation.keysOf', { org: o.id })}</caption>
                  <thead><tr><th scope="col">${t('federation.kid')}</th><th scope="col">${t('federation.alg')}</th><th scope="col">${t('federation.state')}</th><th scope="col">${t('federation.history')}</th></tr></thead>
                  <tbody>
                    ${o.keys.map((k) => html`<tr><td><code>${k.kid}</code></td><td>${k.alg}</td><td><span class="state ${k.state}">${t(`keyState.${k.state}` as never)}</span></td><td><ol class="history">${history(k).map((h) => html`<li>${h}</li>`)}</ol></td></tr>`)}
                  </tbody>
                </table>
              </section>`,
            )}`,
      el,
    );

  draw();
  api<Organization[]>('/federation/organizations').then(
    (list) => {
      organizations = list;
      draw();
    },
    (err: unknown) => {
      error = err;
      draw();
    },
  );
}
