#!/bin/bash
# Documented defence run, step 2: the defence table over the seven models of train.sh (resumable: rerun to continue).
# Run from the repository root.
set -euo pipefail
F="dotnet run -c Release --project src/Fragility.Cli --"
M=runs/defences/models
MODELS=$M/baseline.safetensors,$M/weight_decay.safetensors,$M/input_gradient.safetensors,$M/curvature.safetensors,$M/hessian.safetensors,$M/spectral.safetensors,$M/pgd.safetensors
$F defend --model $MODELS \
  --defend-models baseline --methods gradient --defences none,beta:1,beta:3,smoothgrad,smoothgrad_sq,jitter:1 \
  --images 100 --batch-size 50 --iterations 30 --step 1 --epsilons 1,2,4,8 --epsilon 8 --seed 0 --threads 1 \
  --out runs/defences/table
