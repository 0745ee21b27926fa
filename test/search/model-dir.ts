import { join } from 'node:path';
import { DEFAULT_MODEL, findModel } from '../../src/config/models.ts';
import { ROOT } from '../helpers.ts';

/** The default model's catalog entry and folder (what `npm run model:fetch` installs; CI does). */
export const DEFAULT_SPEC = findModel(DEFAULT_MODEL)!;
export const MODEL_DIR = join(ROOT, 'models', DEFAULT_SPEC.dir);
export const MINILM_DIR = join(ROOT, 'models', 'all-MiniLM-L6-v2');
