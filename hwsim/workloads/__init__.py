"""Workload builders on the network IR (:mod:`hwsim.ir`): Llama-style transformers (:mod:`.transformer`), LoRA
(:mod:`.lora`), mixture of experts (:mod:`.moe`), quantisation / sparsity / low-rank transforms (:mod:`.transforms`),
training memory (:mod:`.training`), reference convolution layers (:mod:`.cnn`) and the keyword-spotting SNN of
Blouw et al. (:mod:`.kws`). This package imports nothing heavy.
"""
