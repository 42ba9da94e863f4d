import { html, nothing, render, type TemplateResult } from 'lit-html';
import { onConnectivity, onUnauthorized } from './api';
import { language, setLanguage, t } from './i18n';
import { auditCasePage } from './pages/audit-case';
import { auditCasesPage } from './pages/audit-cases';
import { casePage } from './pages/case';
import { casesPage } from './pages/cases';
import { citizenPage } from './pages/citizen';
import { dashboardsPage } from './pages/dashboards';
import { federationPage } from './pages/federation';
import { receiptsPage } from './pages/receipts';
import { schemasPage } from './pages/schemas';
import { signInPage } from './pages/signin';
import { clearSession, hasRole, loadSession, type Session } from './session';
import './style.css';

/** A page draws itself into `el` and returns what to stop (streams, timers) when left. */
export type Page = (el: HTMLElement, params: string[], session: Session) => void | (() => void);

interface Route {
  pattern: RegExp;
  page: Page;
  /** Who sees it: a token with one of these roles. */
  roles: string[];
  nav?: { label: () => string; href: string };
}

const ROUTES: Route[] = [
  { pattern: /^cases$/, page: casesPage, roles: ['publisher', 'subscriber'], nav: { label: () => t('nav.cases'), href: '#/cases' } },
  { pattern: /^cases\/(.+)$/, page: casePage, roles: ['publisher', 'subscriber'] },
  { pattern: /^receipts$/, page: receiptsPage, roles: ['publisher'], nav: { label: () => t('nav.receipts'), href: '#/receipts' } },
  { pattern: /^audit$/, page: auditCasesPage, roles: ['auditor'], nav: { label: () => t('nav.audit'), href: '#/audit' } },
  { pattern: /^audit\/(.+)$/, page: auditCasePage, roles: ['auditor'] },
  { pattern: /^schemas$/, page: schemasPage, roles: ['publisher', 'subscriber', 'auditor', 'integrator', 'operator'], nav: { label: () => t('nav.schemas'), href: '#/schemas' } },
  { pattern: /^dashboards(\?.*)?$/, page: dashboardsPage, roles: ['publisher', 'subscriber', 'auditor', 'operator'], nav: { label: () => t('nav.dashboards'), href: '#/dashboards' } },
  { pattern: /^citizen$/, page: citizenPage, roles: ['single-window'], nav: { label: () => t('nav.citizen'), href: '#/citizen' } },
  { pattern: /^federation$/, page: federationPage, roles: ['operator', 'auditor'], nav: { label: () => t('nav.federation'), href: '#/federation' } },
];

const root = document.getElementById('app')!;
let banner: { reachable: boolean; retryInSeconds?: number } = { reachable: true };
let signInReason: string | undefined;
let stop: (() => void) | void;
let expiry: ReturnType<typeof setTimeout> | undefined;

function path(): string {
  return decodeURIComponent(location.hash.replace(/^#\/?/, ''));
}

function signOut(reason?: string): void {
  clearSession();
  signInReason = reason;
  if (path() !== 'signin') location.hash = '#/signin';
  else route();
}

onUnauthorized((reason) => signOut(t('signin.refused', { reason })));
onConnectivity((state) => {
  banner = state;
  drawShell(loadSession());
});

function home(session: Session): string {
  if (hasRole(session, 'publisher', 'subscriber')) return '#/cases';
  if (hasRole(session, 'auditor')) return '#/audit';
  return '#/schemas';
}

function drawShell(session: Session | undefined, title?: string): void {
  const current = path();
  const nav = session ? ROUTES.filter((r) => r.nav && hasRole(session, ...r.roles)) : [];
  const header: TemplateResult = html`
    <header class="top">
      <span class="brand">Passerelle</span>
      ${session
        ? html`<nav aria-label=${t('nav.label')}>
            <ul>
              ${nav.map((r) => html`<li><a href=${r.nav!.href} aria-current=${current.startsWith(r.nav!.href.slice(2)) ? 'page' : 'false'}>${r.nav!.label()}</a></li>`)}
            </ul>
          </nav>`
        : nothing}
      <span class="spacer"></span>
      ${session ? html`<span class="who" data-testid="who">${session.organization.name} · <span class="roles">${session.roles.map((r) => t(`role.${r}` as never)).join(', ')}</span></span>` : nothing}
      <button type="button" class="link" lang=${language() === 'fr' ? 'en' : 'fr'} @click=${() => { setLanguage(language() === 'fr' ? 'en' : 'fr'); route(); }}>${t('lang.switch')}</button>
      ${session ? html`<button type="button" class="link" @click=${() => signOut()}>${t('signout')}</button>` : nothing}
    </header>
    <div class="banner-slot" role="status" aria-live="polite">
      ${banner.reachable ? nothing : html`<p class="banner" data-testid="unreachable">${t('hub.unreachable', { seconds: String(banner.retryInSeconds ?? 1) })}</p>`}
    </div>`;
  render(header, document.getElementById('shell') ?? root.appendChild(Object.assign(document.createElement('div'), { id: 'shell' })));
  if (title) document.title = `${title} — Passerelle`;
}

function route(): void {
  if (typeof stop === 'function') stop();
  stop = undefined;
  document.documentElement.lang = language();
  const skip = document.querySelector<HTMLAnchorElement>('a.skip');
  if (skip) skip.textContent = t('skip');
  const session = loadSession();
  let main = document.getElementById('main');
  if (!main) {
    drawShell(session);
    main = root.appendChild(Object.assign(document.createElement('main'), { id: 'main', tabIndex: -1 }));
  }
  // Each page draws into a fresh element: nothing of the previous one survives.
  const page = document.createElement('div');
  main.replaceChildren(page);
  if (expiry) clearTimeout(expiry);

  const current = path();
  if (!session || current === 'signin') {
    if (session && current === 'signin') {
      location.hash = home(session);
      return;
    }
    if (current !== 'signin') {
      location.hash = '#/signin';
      return;
    }
    drawShell(undefined, t('signin.title'));
    const reason = signInReason;
    signInReason = undefined;
    signInPage(page, reason, () => {
      const next = loadSession();
      if (next) location.hash = home(next);
    });
    return;
  }
  expiry = setTimeout(() => signOut(t('signin.expired')), Math.max(0, Date.parse(session.expiresAt) - Date.now()));

  for (const r of ROUTES) {
    const match = r.pattern.exec(current);
    if (!match) continue;
    if (!hasRole(session, ...r.roles)) break;
    drawShell(session, r.nav?.label() ?? current);
    stop = r.page(page, match.slice(1), session);
    main.focus({ preventScroll: true });
    return;
  }
  location.hash = home(session);
}

window.addEventListener('hashchange', route);
route();
