#!/bin/bash
# Documented defence run, step 4: integrated gradients (16 Gauss-Legendre points, data-set mean reference) on the seven
# models, with IG's own explanation-side defences on the baseline. Run from the repository root; resumable.
set -euo pipefail
F="dotnet run -c Release --project src/Fragility.Cli --"
M=runs/defences/models
MODELS=$M/baseline.safetensors,$M/weight_decay.safetensors,$M/input_gradient.safetensors,$M/curvature.safetensors,$M/hessian.safetensors,$M/spectral.safetensors,$M/pgd.safetensors
$F defend --model $MODELS \
  --defend-models baseline --methods ig --ig-steps 16 --ig-rule gausslegendre --reference mean \
  --defences none,ig_steps:64,ig_reference:blur,ig_reference:zero,beta:3 \
  --images 100 --batch-size 50 --iterations 30 --step 1 --epsilons 1,2,4,8 --epsilon 8 --seed 0 --threads 2 \
  --out runs/defences/table-ig
