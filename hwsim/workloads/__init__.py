"""Workload builders on the network IR (:mod:`hwsim.ir`): Llama-style transformers (:mod:`.transformer`), LoRA
(:mod:`.lora`), mixture of experts (:mod:`.moe`), quantisation / sparsity / low-rank transforms (:mod:`.transforms`),
training memory (:mod:`.training`), reference convolution layers (:mod:`.cnn`), the keyword-spotting SNN of
Blouw et al. (:mod:`.kws`), and MoE expert offloading across memory tiers (:mod:`.offload`, :mod:`.expert_cache`).
This package imports nothing heavy.
"""
