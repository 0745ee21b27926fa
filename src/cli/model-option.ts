import { Option } from 'commander';
import { DEFAULT_MODEL, MODEL_NAMES } from '../config/models.ts';

/** `--model NAME` for the commands that load the embedding model (overrides PAPERBOY_MODEL and the `model` setting). */
export function modelOption(): Option {
  return new Option('--model <name>', `embedding model (default: PAPERBOY_MODEL, the config's model, else ${DEFAULT_MODEL})`).choices(MODEL_NAMES);
}
