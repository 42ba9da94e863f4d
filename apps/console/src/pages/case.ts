import { html, nothing, render } from 'lit-html';
import { api } from '../api';
import { formatDate, formatNumber, t } from '../i18n';
import { hasRole, type Session } from '../session';
import { followEvents, type StreamedEvent } from '../sse';
import { hash, loading, problem, publisherOf } from './common';

interface TimelineEntry {
  revision: number;
  position: number;
  eventId: string;
  type: string;
  source: string;
  time: string;
  channel: string;
  hash?: string;
  data: Record<string, unknown>;
}

interface CaseView {
  caseId: string;
  organization: string;
  status: string;
  owner: string | null;
  title: string | null;
  participants: string[];
  revision: number;
  position: number;
  hash: string;
  updatedAt: string;
  timeline: TimelineEntry[];
}

/**
 * One case as the organization sees it: what it is entitled to, in case order, kept live by
 * the event stream. The view states the revision and chain hash it reflects.
 */
export function casePage(el: HTMLElement, [caseId]: string[], session: Session): () => void {
  let view: CaseView | undefined;
  let error: unknown;
  let live: 'connecting' | 'live' | 'offline' | 'unavailable' = 'connecting';
  let stopStream: (() => void) | undefined;

  const draw = () =>
    render(
      html`<p><a href="#/cases">← ${t('nav.cases')}</a></p>
        ${error ? html`<h1>${caseId}</h1>${problem(error)}` : nothing}
        ${!view && !error ? loading() : nothing}
        ${view
          ? html`<h1>${view.title ?? caseId}</h1>
              <dl class="facts">
                <dt>${t('case.id')}</dt><dd><code>${view.caseId}</code></dd>
                <dt>${t('case.status')}</dt><dd>${t(`status.${view.status}` as never)}</dd>
                <dt>${t('case.owner')}</dt><dd>${view.owner ?? t('case.notShared')}</dd>
                <dt>${t('case.participants')}</dt><dd>${view.participants.join(', ') || '—'}</dd>
                <dt>${t('case.asSeenBy')}</dt><dd>${view.organization}</dd>
              </dl>
              <p class="reflects" data-testid="reflects">
                ${t('case.reflects', { revision: formatNumber(view.revision) })} ${hash(view.hash)}
                <span class="live ${live}" role="status" data-testid="live">${t(`live.${live}` as never)}</span>
              </p>
              <table data-testid="timeline">
                <caption>${t('case.timeline', { n: formatNumber(view.timeline.length) })}</caption>
                <thead>
                  <tr>
                    <th scope="col" class="num">${t('case.revision')}</th>
                    <th scope="col">${t('event.time')}</th>
                    <th scope="col">${t('event.channel')}</th>
                    <th scope="col">${t('event.type')}</th>
                    <th scope="col">${t('event.publisher')}</th>
                    <th scope="col">${t('case.hash')}</th>
                  </tr>
                </thead>
                <tbody>
                  ${view.timeline.map(
                    (e) => html`<tr data-type=${e.type}>
                      <td class="num">${formatNumber(e.revision)}</td>
                      <td>${formatDate(e.time)}</td>
                      <td>${t(`channel.${e.channel}` as never)}</td>
                      <td><code>${e.type}</code></td>
                      <td>${publisherOf(e.source)}</td>
                      <td>${e.hash ? hash(e.hash) : '—'}</td>
                    </tr>`,
                  )}
                </tbody>
              </table>`
          : nothing}`,
      el,
    );

  const follow = (after: number) => {
    if (!hasRole(session, 'subscriber')) {
      live = 'unavailable';
      draw();
      return;
    }
    stopStream = followEvents(
      after,
      (event: StreamedEvent) => {
        const revision = Number(event.caserevision);
        const position = Number(event.logposition);
        if (!view || event.caseid !== caseId || revision <= view.revision) return;
        view = {
          ...view,
          revision,
          position,
          hash: event.hash,
          updatedAt: event.time,
          status: /\.CaseClosed\.v\d+$/.test(event.type) ? 'closed' : view.status,
          timeline: [...view.timeline, { revision, position, eventId: event.id, type: event.type, source: event.source, time: event.time, channel: event.channel, hash: event.hash, data: event.data }],
        };
        draw();
      },
      (connected) => {
        live = connected ? 'live' : 'offline';
        draw();
      },
      () => {
        live = 'unavailable';
        draw();
      },
    );
  };

  draw();
  api<CaseView>(`/cases/${encodeURIComponent(caseId!)}`, { headers: { 'passerelle-purpose': 'service-delivery; console: case timeline' } }).then(
    (v) => {
      view = v;
      draw();
      follow(v.position);
    },
    (err: unknown) => {
      error = err;
      draw();
    },
  );
  return () => stopStream?.();
}
