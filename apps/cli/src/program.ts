import { Command, CommanderError } from 'commander';
import { auditAccessLogCommand, auditAsOfCommand, auditExportCommand, auditVerifyCommand } from './audit/audit.command';
import { CommandError, processOutput, type Output } from './cli-output';
import { caseCommand } from './exchange/case.command';
import { publishCommand } from './exchange/publish.command';
import { kafkaConfigCommand, kafkaRotateKeyCommand, kafkaTokenCommand } from './kafka/kafka.command';
import { insightsCommand, insightsRebuildCommand, type InsightsReport } from './insights/insights.command';
import { orgInitCommand, signCommand, tokenCommand } from './org/dev-tools.command';
import { parkedListCommand, parkedReplayCommand, parkedShowCommand } from './parked/parked.command';
import { eraseCommand } from './privacy/erase.command';
import { orgAddCommand, orgListCommand, orgRevokeCommand, orgRotateCommand } from './org/operator.command';
import { checkCommand } from './schemas/check.command';
import { listCommand } from './schemas/list.command';
import { validateCommand } from './schemas/validate.command';
import { simulateCommand } from './simulate/simulate.command';

/**
 * The `passerelle` command line. Exit codes: 0 success, 1 a negative answer (invalid,
 * incompatible), 2 the command could not run (usage, unreadable file, registry unreachable).
 */
export async function run(argv: string[], output: Output = processOutput): Promise<number> {
  let code = 0;
  const program = new Command('passerelle')
    .description('Passerelle: the case-event interoperability hub')
    .exitOverride()
    .configureOutput({ writeOut: (s) => output.out(s.trimEnd()), writeErr: (s) => output.err(s.trimEnd()) });

  const schemas = program.command('schemas').description('list, validate and check event schemas (offline from schemas/, or --registry)');
  schemas
    .command('list')
    .description('list event types with versions, category and classification')
    .option('--registry <url>', 'ask a running registry instead of reading schemas/')
    .option('--json', 'machine-readable output')
    .action(async (options) => {
      code = await listCommand(options, output);
    });
  schemas
    .command('validate')
    .description('validate event envelopes (or, with --type, bare data payloads); exit 1 if any is invalid')
    .argument('<files...>', 'JSON files')
    .option('--type <type>', 'validate the files as data of this event type, e.g. passerelle.case.CaseOpened.v1')
    .option('--registry <url>', 'validate against a running registry instead of schemas/')
    .option('--json', 'machine-readable output')
    .action(async (files: string[], options) => {
      code = await validateCommand(files, options, output);
    });
  schemas
    .command('check')
    .description('check that a new schema version is compatible with the old one; exit 1 if not')
    .argument('<files...>', '<old.schema.json> <new.schema.json>, or <new.schema.json> with --registry')
    .option('--mode <mode>', 'none, backward, forward, full, or a *-transitive variant (default backward)')
    .option('--registry <url>', 'check against the registered versions of the candidate’s subject, under its mode')
    .option('--json', 'machine-readable output')
    .action(async (files: string[], options) => {
      code = await checkCommand(files, options, output);
    });

  const hubOptions = (command: Command) =>
    command
      .option('--hub <url>', 'the hub’s address (or PASSERELLE_HUB)', process.env.PASSERELLE_HUB ?? 'http://127.0.0.1:3000')
      .option('--token <jwt>', 'an access token (or PASSERELLE_TOKEN)')
      .option('--as <org>', 'mint the token from this organization’s local key')
      .option('--key-dir <dir>', 'where local keys are (default .passerelle/keys)')
      .option('--json', 'machine-readable output');
  const kafka = program.command('kafka').description('a member organization’s own Kafka client: its configuration, and tokens by exchange');
  const kafkaOptions = (command: Command) =>
    command
      .requiredOption('--as <org>', 'the organization (its key file signs the token it exchanges)')
      .option('--hub <url>', 'the hub’s address (or PASSERELLE_HUB)', process.env.PASSERELLE_HUB ?? 'http://127.0.0.1:3000')
      .option('--key-dir <dir>', 'where local keys are (default .passerelle/keys)')
      .option('--json', 'machine-readable output');
  kafkaOptions(kafka.command('token').description('exchange the organization’s own token for a short-lived Kafka access token (RFC 8693)')).action(async (options) => {
    code = await kafkaTokenCommand(options, output);
  });
  kafkaOptions(
    kafka
      .command('config')
      .description('print what the organization’s Kafka client needs: servers, CA, token endpoint, topics (Java, librdkafka, kafkajs)')
      .option('--ca-file <file>', 'where to write the CA the broker’s certificate chains to (default ./passerelle-kafka-ca.pem)'),
  ).action(async (options) => {
    code = await kafkaConfigCommand(options, output);
  });
  kafka
    .command('rotate-key')
    .description('operator: a new signing key for the hub’s Kafka tokens; the previous one stays published until its tokens expire')
    .option('--keys <file>', 'the hub’s Kafka key ring (or PASSERELLE_KAFKA_ISSUER_KEYS)')
    .action((options) => {
      code = kafkaRotateKeyCommand(options, output);
    });

  const org = program.command('org').description('member organizations: keys for development, and the operator’s registry');
  org
    .command('init')
    .description('generate a key pair and public JWKS for a development organization')
    .argument('<id>', 'organization id, e.g. qc.ramq')
    .option('--alg <alg>', 'ES256 (default), EdDSA, PS256 or RS256')
    .option('--key-dir <dir>', 'where to write the keys (default .passerelle/keys)')
    .action(async (id: string, options) => {
      code = await orgInitCommand(id, options, output);
    });
  hubOptions(
    org
      .command('add')
      .description('admit an organization to the federation (operator)')
      .argument('<id>', 'organization id')
      .requiredOption('--name <name>', 'its name')
      .requiredOption('--jwks <file>', 'its public keys (a JWKS file)')
      .requiredOption('--issuer <iss...>', 'the iss value(s) of its tokens')
      .requiredOption('--roles <roles>', 'comma-separated: publisher, subscriber, auditor, integrator, operator'),
  ).action(async (id: string, options) => {
    code = await orgAddCommand(id, options, output);
  });
  hubOptions(org.command('list').description('list member organizations, their roles and keys (operator, auditor)')).action(async (options) => {
    code = await orgListCommand(options, output);
  });
  const keys = org.command('keys').description('rotate or revoke an organization’s keys (operator)');
  hubOptions(
    keys
      .command('rotate')
      .description('add a new key; the current ones are retired (they still verify what they signed before)')
      .argument('<id>', 'organization id')
      .requiredOption('--jwks <file>', 'the new public key (a JWKS file; its first key)')
      .option('--retire-at <time>', 'when the current keys stop signing (ISO 8601, default now)'),
  ).action(async (id: string, options) => {
    code = await orgRotateCommand(id, options, output);
  });
  hubOptions(
    keys
      .command('revoke')
      .description('revoke a key: nothing presented with it from --at on is accepted')
      .argument('<id>', 'organization id')
      .argument('<kid>', 'key id')
      .requiredOption('--reason <text>', 'why, for the federation’s history')
      .option('--at <time>', 'from when (ISO 8601, default now; earlier if the compromise started before)'),
  ).action(async (id: string, kid: string, options) => {
    code = await orgRevokeCommand(id, kid, options, output);
  });
  program
    .command('token')
    .description('mint an access token with a development organization’s local key')
    .requiredOption('--org <id>', 'the organization')
    .requiredOption('--role <role...>', 'role(s) to claim')
    .option('--ttl <seconds>', 'lifetime (default 3600)')
    .option('--aud <audience>', 'audience (default urn:passerelle:hub)')
    .option('--key-dir <dir>', 'where local keys are (default .passerelle/keys)')
    .action(async (options) => {
      code = await tokenCommand(options, output);
    });
  program
    .command('sign')
    .description('sign an event envelope: prints the detached JWS to send as Passerelle-Signature')
    .argument('<event.json>', 'the envelope')
    .requiredOption('--org <id>', 'the publishing organization')
    .option('--key-dir <dir>', 'where local keys are (default .passerelle/keys)')
    .action(async (file: string, options) => {
      code = await signCommand(file, options, output);
    });

  hubOptions(
    program
      .command('publish')
      .description('sign an event envelope with the organization’s local key and publish it through the gateway; prints the receipt')
      .argument('<event.json>', 'the envelope')
      .option('--if-match <revision>', 'refuse (412) unless the case is still at this revision'),
  ).action(async (file: string, options) => {
    code = await publishCommand(file, options, output);
  });
  hubOptions(
    program
      .command('case')
      .description('an organization’s view of a case (what it is entitled to see)')
      .argument('<caseId>', 'the case')
      .option('--min-revision <n>', 'wait (up to 5 s) until the view reflects this revision')
      .option('--purpose <purpose>', 'why you read it, from the federation\'s catalogue (eligibility-check, service-delivery, audit), optionally with "; <note>"; default service-delivery'),
  ).action(async (caseId: string, options) => {
    code = await caseCommand(caseId, options, output);
  });

  const audit = program.command('audit').description('replay and verify histories (auditor)');
  hubOptions(
    audit
      .command('verify')
      .description('verify a case (--case, on the hub), a bundle (--bundle, offline), or the whole store (--all, from its database)')
      .option('--case <id>', 'a case on the running hub')
      .option('--bundle <file>', 'an audit bundle, with no server and no network')
      .option('--all', 'every event in the store, read straight from its database, with a progress bar')
      .option('--database <url>', 'with --all: the PostgreSQL database (or DATABASE_URL)')
      .option('--data <dir>', 'with --all: the data folder of a stopped embedded hub')
      .option('--from <time>', 'with --all: only events received from this instant')
      .option('--to <time>', 'with --all: only events received before this instant'),
  ).action(async (options) => {
    code = await auditVerifyCommand(options, output);
  });
  hubOptions(
    audit
      .command('export')
      .description('write a case’s audit bundle: events, signatures, checkpoint, public keys, schemas')
      .requiredOption('--case <id>', 'the case')
      .option('--out <file>', 'where (default <case>.audit.json)'),
  ).action(async (options) => {
    code = await auditExportCommand(options, output);
  });
  hubOptions(
    audit
      .command('as-of')
      .description('what an organization could see of a case at an instant')
      .requiredOption('--case <id>', 'the case')
      .requiredOption('--org <id>', 'the organization')
      .requiredOption('--at <time>', 'the instant (ISO 8601)'),
  ).action(async (options) => {
    code = await auditAsOfCommand(options, output);
  });
  hubOptions(audit.command('access-log').description('who read a case, when, for what purpose').requiredOption('--case <id>', 'the case')).action(async (options) => {
    code = await auditAccessLogCommand(options, output);
  });

  const parked = program.command('parked').description('messages a component parked after bounded retries: list, show, replay (operator)');
  hubOptions(
    parked
      .command('list')
      .description('parked messages, oldest first, and the counts per component')
      .option('--status <status>', 'waiting (default), parked, replay-requested or replayed')
      .option('--component <name>', 'only this component’s'),
  ).action(async (options) => {
    code = await parkedListCommand(options, output);
  });
  hubOptions(parked.command('show').description('one parked message: source, error, attempts, headers, original bytes').argument('<id>', 'its id')).action(async (id: string, options) => {
    code = await parkedShowCommand(id, options, output);
  });
  hubOptions(parked.command('replay').description('replay the message’s case through its component, oldest first').argument('<id>', 'its id')).action(async (id: string, options) => {
    code = await parkedReplayCommand(id, options, output);
  });

  const privacy = program.command('privacy').description('citizens’ personal data: erasure by crypto-shredding (operator)');
  hubOptions(
    privacy
      .command('erase')
      .description('destroy a citizen’s data key: their sealed personal fields read as erased everywhere, the chain still verifies')
      .requiredOption('--citizen <id>', 'the citizen, as --organization names them (its reference, or its pseudonym)')
      .requiredOption('--organization <id>', 'the member organization whose name of the citizen --citizen is')
      .requiredOption('--requested-by <who>', 'who asked: the citizen, a data protection officer, a court')
      .requiredOption('--legal-basis <text>', 'e.g. "GDPR art. 17(1)(a)"')
      .option('--requested-at <instant>', 'when it was asked (ISO 8601); default now'),
  ).action(async (options) => {
    code = await eraseCommand(options, output);
  });

  const insights = program.command('insights').description('per-channel measures of the shared service (small cells suppressed)');
  const reports: Array<[InsightsReport, string]> = [
    ['channels', 'volumes, digital take-up, completion, time to decision, satisfaction and cost per completed request'],
    ['handoffs', 'hand-offs between organizations (from → to) and how long each waited'],
    ['journeys', 'channel switches and repeat contacts before a decision'],
  ];
  for (const [report, description] of reports) {
    const command = hubOptions(insights.command(report).description(description))
      .requiredOption('--from <day>', 'first day, YYYY-MM-DD')
      .requiredOption('--to <day>', 'last day, YYYY-MM-DD (included)')
      .option('--organization <id>', report === 'handoffs' ? 'hand-offs from or to this organization' : 'this organization’s cells')
      .option('--csv', 'the hub’s CSV instead of tables');
    if (report !== 'handoffs') {
      command
        .option('--grain <grain>', 'cells by segment, service (default) or organization')
        .option('--service <code>', 'one service')
        .option('--channel <channel>', 'one channel')
        .option('--segment <segment>', 'unspecified, or audience[/ageBand[/region]] (with --grain segment)');
    }
    command.action(async (options) => {
      code = await insightsCommand(report, options, output);
    });
  }
  hubOptions(insights.command('rebuild').description('count every measure again from log position 0, with a progress bar (operator)')).action(async (options) => {
    code = await insightsRebuildCommand(options, output);
  });
  program
    .command('simulate')
    .description('publish realistic multi-channel journeys through the gateway, signed with local development keys')
    .option('--hub <url>', 'the hub’s address (or PASSERELLE_HUB)', process.env.PASSERELLE_HUB ?? 'http://127.0.0.1:3000')
    .option('--key-dir <dir>', 'where local keys are (default .passerelle/keys)')
    .requiredOption('--cases <n>', 'how many cases')
    .requiredOption('--days <d>', 'over how many days')
    .option('--start <day>', 'first simulated day, YYYY-MM-DD (default: --days before today)')
    .option('--orgs <ids>', 'comma-separated publishing organizations', 'demo.health,demo.transport,demo.employment')
    .option('--seed <n>', 'the same seed gives the same journeys (default 1)')
    .option('--run <id>', 'names this run’s cases (default random), so runs never collide')
    .option('--concurrency <n>', 'cases published at once (default 4)')
    .option('--digital-share <p>', 'share of first contacts through a digital channel (default 0.6)')
    .option('--repeat-mean <n>', 'mean contacts between request and decision (default 1.5)')
    .option('--switch-rate <p>', 'chance a repeat contact changes channel (default 0.3)')
    .option('--transfer-rate <p>', 'chance a case is transferred to another organization (default 0.15)')
    .option('--decision-rate <p>', 'chance a request is decided (default 0.85)')
    .option('--decision-hours <h>', 'mean hours to a decision (default 72)')
    .option('--satisfaction-rate <p>', 'chance of a satisfaction answer after a decision (default 0.4)')
    .option('--json', 'machine-readable summary')
    .action(async (options) => {
      code = await simulateCommand(options, output);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof CommandError) {
      output.err(`passerelle: ${err.message}`);
      return 2;
    }
    throw err;
  }
}
