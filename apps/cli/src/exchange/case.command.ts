import { CommandError, type Output } from '../cli-output';
import { authenticatedClient, type HubOptions } from '../hub-client';

interface CaseView {
  caseId: string;
  organization: string;
  status: string;
  owner: string | null;
  title: string | null;
  participants: string[];
  revision: number;
  hash: string;
  timeline: Array<{ revision: number; type: string; source: string; time: string; channel: string }>;
}

/** `passerelle case <caseId> --as <org>`: that organization's view of the case. */
export async function caseCommand(caseId: string, options: HubOptions & { minRevision?: string; purpose?: string }, output: Output): Promise<number> {
  const client = await authenticatedClient(options, ['subscriber']);
  const query = options.minRevision === undefined ? '' : `?minRevision=${encodeURIComponent(options.minRevision)}`;
  const { status, body } = await client.request<CaseView & { code?: string; message?: string }>('GET', `/cases/${encodeURIComponent(caseId)}${query}`, undefined, options.purpose ? { 'passerelle-purpose': options.purpose } : {});
  if (status === 404) {
    output.out(`✗ ${body.message ?? `no case ${caseId}`}`);
    return 1;
  }
  if (status !== 200) throw new CommandError(`the hub refused (${status} ${body.code ?? ''}): ${body.message ?? 'no reason given'}`);
  if (options.json) {
    output.out(JSON.stringify(body, null, 2));
    return 0;
  }
  output.out(`${body.caseId}  ${body.status}  owner ${body.owner ?? '(not shared with you)'}  as seen by ${body.organization}`);
  output.out(`revision ${body.revision}  hash ${body.hash}`);
  for (const t of body.timeline) output.out(`  ${String(t.revision).padStart(4)}  ${t.time}  ${t.channel.padEnd(7)} ${t.type}  from ${t.source.replace('urn:passerelle:org:', '')}`);
  return 0;
}
