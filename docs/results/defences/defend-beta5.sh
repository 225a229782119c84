#!/bin/bash
# Documented defence run, step 3: the undefended maps of the seven models attacked through a sharper softplus
# twin (beta 5 instead of 1), to check that no regulariser only masks the beta-1 twin's gradients.
# Run from the repository root.
set -euo pipefail
F="dotnet run -c Release --project src/Fragility.Cli --"
M=runs/defences/models
MODELS=$M/baseline.safetensors,$M/weight_decay.safetensors,$M/input_gradient.safetensors,$M/curvature.safetensors,$M/hessian.safetensors,$M/spectral.safetensors,$M/pgd.safetensors
$F defend --model $MODELS --methods gradient --defences none --beta 5 \
  --images 100 --batch-size 50 --iterations 30 --step 1 --epsilons 1,2,4,8 --epsilon 8 --seed 0 --threads 1 \
  --out runs/defences/table-beta5
