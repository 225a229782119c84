#!/bin/bash
# Documented defence run, step 1: one small-cnn per training regulariser, same data subset, epochs and seed.
# Run from the repository root.
set -euo pipefail
F="dotnet run -c Release --project src/Fragility.Cli --"
M=runs/defences/models
COMMON="--arch small-cnn --dataset fashion-mnist --train-images 20000 --epochs 2 --seed 0 --threads 1"
$F train $COMMON --out $M/baseline.safetensors
$F train $COMMON --regularise weight_decay --lambda 0.01 --out $M/weight_decay.safetensors
$F train $COMMON --regularise input_gradient --lambda 1 --out $M/input_gradient.safetensors
$F train $COMMON --regularise curvature --lambda 3 --out $M/curvature.safetensors
$F train $COMMON --regularise hessian --lambda 30 --out $M/hessian.safetensors
$F train $COMMON --regularise spectral --lambda 2 --out $M/spectral.safetensors
$F train $COMMON --regularise pgd --lambda 1 --out $M/pgd.safetensors
