/**
 * Limits that llama.cpp asserts (GGML_ASSERT / GGML_ABORT: the process dies) rather than reports, copied from
 * the llama.cpp bundled with node-llama-cpp. A model file is checked against them before llama.cpp sees it.
 */
export const llamaCppLimits = {
  /** llama-hparams.h: `LLAMA_MAX_LAYERS 512`; llama-model.cpp: `GGML_ASSERT(n_layer_all > 0 && n_layer_all <= LLAMA_MAX_LAYERS)`. */
  maxLayers: 512,
  /** llama-hparams.h: `LLAMA_MAX_EXPERTS 1024`; llama-model.cpp: `GGML_ASSERT(n_expert <= LLAMA_MAX_EXPERTS)`. */
  maxExperts: 1024,
  /** llama.h: `int32_t llama_model_n_ctx_train(...)` hands the uint32 `n_ctx_train` on as a signed 32-bit value. */
  maxContextLength: 2 ** 31 - 1,
  /** llama-hparams.cpp: head width × head count (`n_embd_k_gqa`, …) is a uint32 product and wraps past this. */
  maxHeadProduct: 2 ** 32 - 1,
  /**
   * llama-model.cpp: `LLAMA_ROPE_SCALING_TYPES`; any other `rope.scaling.type` fails
   * `GGML_ASSERT(rope_scaling_type_train != LLAMA_ROPE_SCALING_TYPE_UNSPECIFIED)`.
   */
  ropeScalingTypes: ["none", "linear", "yarn", "longrope"] as readonly string[],
  /**
   * ggml-cpu/ggml-cpu.c: `type_traits_cpu` has no `vec_dot` for Q8_1 (9), Q8_K (15), I8-I64 (24-27) or F64
   * (28), so a matrix of one of these types is a null call (SIGSEGV) at the first token.
   */
  typesWithoutCpuDotProduct: new Set([9, 15, 24, 25, 26, 27, 28]) as ReadonlySet<number>,
  /** ggml's type id for F32: the only type the CPU's binary ops take as the weight of a norm or bias (ggml-cpu/binary-ops.cpp). */
  f32TypeId: 0,
} as const;
