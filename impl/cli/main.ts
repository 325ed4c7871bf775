import { Command } from 'commander';
import { commandModules } from './commands/index.ts';

/** main builds the `kubets` program from the command modules and runs it. */
async function main(argv: string[]): Promise<void> {
  const program = new Command('kubets')
    .description('Kubernetes re-implemented in TypeScript')
    .showHelpAfterError()
    .enablePositionalOptions();
  for (const load of commandModules) (await load()).register(program);
  await program.parseAsync(argv);
}

// A command that fails exits at once with status 1, even if it left servers or timers behind
// (a half-started `kubets up` must not linger).
main(process.argv).catch((err: unknown) => {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
