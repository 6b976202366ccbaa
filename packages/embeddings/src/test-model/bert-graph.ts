import { Prng } from '@prepkit/bench-harness';
import {
  ELEM_FLOAT,
  ELEM_INT64,
  GraphBuilder,
  encodeModel,
  floatAttribute,
  intAttribute,
  intsAttribute,
  valueInfo,
} from './onnx-graph.js';

/** The shape of a BERT encoder. */
export interface BertShape {
  readonly layers: number;
  readonly hidden: number;
  readonly heads: number;
  readonly intermediate: number;
  readonly vocabSize: number;
  readonly maxPositions: number;
  readonly typeVocabSize: number;
}

/** Standard deviation of the random weights, as BERT's initialiser (drawn uniformly with this std). */
const WEIGHT_STD = 0.02;

/**
 * Encodes a BERT-shaped encoder (embeddings + position + token type, post-LayerNorm attention
 * blocks, GELU through Erf) built from standard ONNX ops at opset 17, with weights drawn from a PRNG
 * seeded by `seed` and each tensor's name: the same shape and seed give the same bytes.
 * Inputs `input_ids`, `attention_mask`, `token_type_ids` (int64 [batch, tokens]); output
 * `last_hidden_state` (float32 [batch, tokens, hidden]).
 */
export function encodeBertModel(shape: BertShape, seed: string): Uint8Array {
  const { hidden, heads } = shape;
  if (hidden % heads !== 0) throw new RangeError(`hidden (${hidden}) must be a multiple of heads (${heads})`);
  const headDim = hidden / heads;
  const g = new GraphBuilder();
  const weight = (name: string, dims: readonly number[]): string =>
    g.float(
      name,
      dims,
      uniform(
        `${seed}:${name}`,
        dims.reduce((a, b) => a * b, 1),
        WEIGHT_STD,
      ),
    );
  const filled = (name: string, dims: readonly number[], value: number): string =>
    g.float(name, dims, new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(value));
  const layerNorm = (x: string, prefix: string): string =>
    g.op(
      'LayerNormalization',
      [x, filled(`${prefix}.weight`, [hidden], 1), filled(`${prefix}.bias`, [hidden], 0)],
      [intAttribute('axis', -1), floatAttribute('epsilon', 1e-12)],
    );
  const linear = (x: string, prefix: string, inDim: number, outDim: number): string =>
    g.op('Add', [
      g.op('MatMul', [x, weight(`${prefix}.weight`, [inDim, outDim])]),
      weight(`${prefix}.bias`, [outDim]),
    ]);

  // Embeddings: word + position (0 … tokens-1) + token type, then LayerNorm.
  const words = g.op('Gather', [
    weight('embeddings.word_embeddings.weight', [shape.vocabSize, hidden]),
    'input_ids',
  ]);
  const tokens = g.op('Gather', [g.op('Shape', ['input_ids']), g.int64([1], [])], [intAttribute('axis', 0)]);
  const positionIds = g.op('Range', [g.int64([0], []), tokens, g.int64([1], [])]);
  const positions = g.op('Gather', [
    weight('embeddings.position_embeddings.weight', [shape.maxPositions, hidden]),
    positionIds,
  ]);
  const types = g.op('Gather', [
    weight('embeddings.token_type_embeddings.weight', [shape.typeVocabSize, hidden]),
    'token_type_ids',
  ]);
  let x = layerNorm(g.op('Add', [g.op('Add', [words, positions]), types]), 'embeddings.LayerNorm');

  // Attention mask as an additive bias [batch, 1, 1, tokens]: 0 where attended, -10000 on padding,
  // which underflows to an exact 0 after Softmax, so padding changes no real token's output.
  const maskFloat = g.op('Cast', ['attention_mask'], [intAttribute('to', ELEM_FLOAT)]);
  const maskBias = g.op('Unsqueeze', [
    g.op('Mul', [g.op('Sub', [g.scalar(1), maskFloat]), g.scalar(-10000)]),
    g.int64([1, 2]),
  ]);
  const splitHeads = g.int64([0, 0, heads, headDim]);
  const mergeHeads = g.int64([0, 0, hidden]);
  const scale = g.scalar(1 / Math.sqrt(headDim));

  for (let l = 0; l < shape.layers; l++) {
    const p = `encoder.layer.${l}`;
    const heads4 = (name: string, perm: number[]): string =>
      g.op(
        'Transpose',
        [g.op('Reshape', [linear(x, `${p}.attention.self.${name}`, hidden, hidden), splitHeads])],
        [intsAttribute('perm', perm)],
      );
    const q = heads4('query', [0, 2, 1, 3]);
    const k = heads4('key', [0, 2, 3, 1]);
    const v = heads4('value', [0, 2, 1, 3]);
    const scores = g.op('Add', [g.op('Mul', [g.op('MatMul', [q, k]), scale]), maskBias]);
    const probs = g.op('Softmax', [scores], [intAttribute('axis', -1)]);
    const context = g.op('Reshape', [
      g.op('Transpose', [g.op('MatMul', [probs, v])], [intsAttribute('perm', [0, 2, 1, 3])]),
      mergeHeads,
    ]);
    const attended = linear(context, `${p}.attention.output.dense`, hidden, hidden);
    x = layerNorm(g.op('Add', [attended, x]), `${p}.attention.output.LayerNorm`);
    const up = linear(x, `${p}.intermediate.dense`, hidden, shape.intermediate);
    // GELU(u) = 0.5 · u · (1 + erf(u / √2))
    const gelu = g.op('Mul', [
      g.op('Mul', [up, g.scalar(0.5)]),
      g.op('Add', [g.op('Erf', [g.op('Mul', [up, g.scalar(Math.SQRT1_2)])]), g.scalar(1)]),
    ]);
    const down = linear(gelu, `${p}.output.dense`, shape.intermediate, hidden);
    x = layerNorm(g.op('Add', [down, x]), `${p}.output.LayerNorm`);
  }
  g.nameLastOutput('last_hidden_state');

  return encodeModel(
    g,
    'prepkit-test-bert',
    [
      valueInfo('input_ids', ELEM_INT64, ['batch', 'tokens']),
      valueInfo('attention_mask', ELEM_INT64, ['batch', 'tokens']),
      valueInfo('token_type_ids', ELEM_INT64, ['batch', 'tokens']),
    ],
    [valueInfo('last_hidden_state', ELEM_FLOAT, ['batch', 'tokens', hidden])],
    17,
  );
}

/** `n` values uniform in ±√3·std (standard deviation `std`), from a PRNG seeded by `seed`. */
function uniform(seed: string, n: number, std: number): Float32Array {
  const prng = new Prng(seed);
  const half = Math.sqrt(3) * std;
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = (prng.next() * 2 - 1) * half;
  return values;
}
