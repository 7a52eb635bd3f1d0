"""Networks on simulated analog tiles: the workload's layers built as modules (analog layers on crossbar tiles,
digital layers in float32), the network with manual backpropagation, RAPA replicated convolutions, the training loop
(and its compiled whole-network fast path) and deployment of floating-point-trained weights for inference."""
