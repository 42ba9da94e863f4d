import { outboundTopic, STRUCTURED_CONTENT_TYPE } from '@passerelle/contracts';
import type { RecordedEvent } from '@passerelle/event-store';
import type { OutgoingMessage } from '@passerelle/messaging';
import { CITIZEN_DATA_ERASED, erasureNoticesOf, type CitizenDataErased, type ErasureNotice } from '@passerelle/privacy';

/** Who sends the notice: the hub itself, not a member. */
export const HUB_SOURCE = 'urn:passerelle:hub';

/** How an organization names the citizen of one case: as that case showed them to it (its pseudonym, or its own reference). */
export type CitizenAsShown = (organization: string, notice: ErasureNotice) => Promise<string | null>;

/**
 * The notices a CitizenDataErased event sends (GDPR art. 19: recipients are told of an
 * erasure): one message per organization per case about the citizen that it received any of
 * — the audience recorded on the event when the erasure was. Keyed by the case id, on the
 * case's partition behind its events; its id (`erasure-<case>-<the erasure's log position>`)
 * is the same at every redelivery and differs between erasures (two citizens of one case). It says only what a consumer needs to erase its copy: the citizen as that
 * organization knows them, the legal basis and when; never the hub's own citizen id, nor who
 * asked.
 */
export async function erasureMessages(event: RecordedEvent, citizenAsShown: CitizenAsShown): Promise<Array<{ topic: string; message: OutgoingMessage }>> {
  if (event.type !== CITIZEN_DATA_ERASED) return [];
  const erased = event.data as unknown as CitizenDataErased;
  const out: Array<{ topic: string; message: OutgoingMessage }> = [];
  for (const notice of erasureNoticesOf(event)) {
    for (const organization of notice.audience) {
      const envelope = {
        specversion: '1.0',
        id: `erasure-${notice.caseId}-${event.position}`,
        source: HUB_SOURCE,
        type: CITIZEN_DATA_ERASED,
        subject: notice.caseId,
        time: erased.erasedAt,
        datacontenttype: 'application/json',
        caseid: notice.caseId,
        data: { citizen: await citizenAsShown(organization, notice), legalBasis: erased.legalBasis, requestedAt: erased.requestedAt, erasedAt: erased.erasedAt },
      };
      out.push({ topic: outboundTopic(organization), message: { key: notice.caseId, value: JSON.stringify(envelope), headers: { 'content-type': STRUCTURED_CONTENT_TYPE } } });
    }
  }
  return out;
}
