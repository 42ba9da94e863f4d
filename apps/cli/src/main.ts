import { run } from './program';

// A reader that stops early (`passerelle … | head`) closes the pipe: stop quietly, as Unix tools do.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`passerelle: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 2;
  },
);
