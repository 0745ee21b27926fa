/**
 * Entry point of the `paperboy` command: reads the configuration and the process's worker role
 * from the environment, composes the services (src/compose/, the composition root) and hands them
 * to the CLI.
 */
import { CommanderError } from 'commander';
import { EXIT, type CliContext, type CliServices, type GlobalOptions } from './cli/context.ts';
import { createProgram } from './cli/program.ts';
import { cliServices } from './compose/cli-services.ts';
import { composeServices } from './compose/compose-services.ts';
import { superviseThreads } from './compose/serve-threads.ts';
import { INSTALL_DIR, VERSION } from './compose/install.ts';
import { workerRoleFrom } from './compose/worker-role.ts';
import { loadConfig } from './config/load-config.ts';
import { describeError, isPaperboyError } from './core/errors.ts';

export async function openServices(globals: GlobalOptions, purpose: 'service' | 'command' = 'command'): Promise<CliServices> {
  const config = loadConfig({
    env: process.env,
    ...(globals.config ? { file: globals.config } : {}),
    overrides: { ...(globals.data ? { dataDir: globals.data } : {}), ...(globals.model ? { model: globals.model } : {}) },
    installDir: INSTALL_DIR,
  });
  return cliServices(await composeServices(config, { purpose, role: workerRoleFrom(process.env) }));
}

function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const handler = (signal: string) => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      resolve(signal);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}

/** Runs the CLI and returns the exit status (0 ok, 1 some records rejected, 2 usage or fatal error). */
export async function runCli(argv: readonly string[]): Promise<number> {
  const ctx: CliContext = {
    stdout: process.stdout, stderr: process.stderr, openServices, untilSignal,
    serveWorkers: (globals, options) => superviseThreads({ ...options, globals, stderr: process.stderr, untilSignal }),
  };
  let exit: number = EXIT.OK;
  const program = createProgram(ctx, (code) => { exit = code; }, VERSION);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exit;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help' ? EXIT.OK : EXIT.FATAL;
    }
    if (isPaperboyError(error)) process.stderr.write(`paperboy: ${error.message}\n`);
    else process.stderr.write(`paperboy: unexpected error: ${describeError(error)}\n${(error as Error).stack ?? ''}\n`);
    return EXIT.FATAL;
  }
}
