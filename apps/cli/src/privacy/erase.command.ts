import { CommandError, type Output } from '../cli-output';
import { authenticatedClient, type HubOptions } from '../hub-client';

/** `passerelle privacy erase`: destroys a citizen's data key on the hub (operator). */
export async function eraseCommand(options: HubOptions & { citizen: string; organization: string; requestedBy: string; legalBasis: string; requestedAt?: string }, output: Output): Promise<number> {
  const client = await authenticatedClient(options, ['operator']);
  const request = JSON.stringify({ citizen: options.citizen, organization: options.organization, requestedBy: options.requestedBy, legalBasis: options.legalBasis, ...(options.requestedAt ? { requestedAt: options.requestedAt } : {}) });
  const { status, body } = await client.request<{ eventId?: string; citizen?: string; erasedAt?: string; code?: string; message?: string }>('POST', '/privacy/erasures', request);
  if (options.json) {
    output.out(JSON.stringify(body, null, 2));
    return status === 201 ? 0 : 1;
  }
  if (status === 201) {
    output.out(`✓ erased  citizen ${body.citizen}  at ${body.erasedAt}  (${body.eventId}): their personal fields now read as erased everywhere`);
    return 0;
  }
  if (status === 404 || status === 409 || status === 400) {
    output.out(`✗ ${body.code}: ${body.message}`);
    return 1;
  }
  throw new CommandError(`the hub refused (${status} ${body.code ?? ''}): ${body.message ?? 'no reason given'}`);
}
