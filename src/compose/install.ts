/** Where Paperboy is installed and which version it is, the same from sources (tsx) and from the build (dist/). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder of package.json, models/ and starter/. */
export const INSTALL_DIR = fileURLToPath(new URL('../..', import.meta.url));

export const VERSION = (JSON.parse(readFileSync(join(INSTALL_DIR, 'package.json'), 'utf8')) as { version: string }).version;
