#!/usr/bin/env bash
# The real-model runs of the reproduction (issue 4): Qwen2.5-Coder-1.5B-Instruct (bf16, CPU), the paper's script
# settings (rho 0.2, lr 0.05, 10 steps, threshold -0.2). Every run resumes: rerun this script to continue.
# Usage: experiments/run_qwen.sh [RUN_NAME ...]   (default: ORDER below; `table1`: the Table 1 runs, TABLE1 below;
#        `gradient`: the random-direction and GradCuit runs, GRADIENT below)
#        MAX_PROBLEMS=32 experiments/run_qwen.sh   first slice of every run (rerun without it to complete them)
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${LATENTSEEK_DATA:-../shared/data}
BS=${BATCH_SIZE:-16}
common=(--model qwen2.5-coder-1.5b-instruct --dtype bfloat16 --rho 0.2 --lr 0.05 --max-steps 10 --threshold -0.2 --batch-size "$BS" --no-progress -v)
run() {  # run NAME DATASET LIMIT ARGS...
  local name=$1 data=$2 limit=$3; shift 3
  if [ -n "${MAX_PROBLEMS:-}" ] && [ "$MAX_PROBLEMS" -lt "$limit" ]; then limit=$MAX_PROBLEMS; fi
  latentseek eval "${common[@]}" --dataset "$DATA/$data/test.jsonl" --limit "$limit" --output-dir "experiments/qwen2.5-coder-1.5b/$name" "$@"
}
declare -A RUNS=(
  [gsm8k-p0-cot]="gsm8k 100 --method cot --prompt-idx 0"
  [gsm8k-p0-psrm]="gsm8k 100 --method latentseek --reward psrm --prompt-idx 0"
  [gsm8k-p1-cot]="gsm8k 100 --method cot --prompt-idx 1"
  [gsm8k-p1-psrm]="gsm8k 100 --method latentseek --reward psrm --prompt-idx 1"
  [math500-p0-cot]="math500 50 --method cot --prompt-idx 0"
  [math500-p0-psrm]="math500 100 --method latentseek --reward psrm --prompt-idx 0"
  [gsm8k-p0-self]="gsm8k 100 --method latentseek --reward self --prompt-idx 0"
  [gsm8k-p0-bon]="gsm8k 100 --method bon --n-samples 3 --temperature 0.7 --prompt-idx 0"
  [gsm8k-p0-sc3]="gsm8k 100 --method sc --n-samples 3 --temperature 0.7 --prompt-idx 0"
  [gsm8k-p0-oracle3]="gsm8k 100 --method oracle --n-samples 3 --temperature 0.7 --prompt-idx 0"
  [gsm8k-p0-sc8]="gsm8k 100 --method sc --n-samples 8 --temperature 0.7 --prompt-idx 0"
  [gsm8k-p0-oracle8]="gsm8k 100 --method oracle --n-samples 8 --temperature 0.7 --prompt-idx 0"
  [gsm8k-p0-slot]="gsm8k 100 --method slot --prompt-idx 0"
  [gsm8k-p0-ltpo]="gsm8k 100 --method ltpo --prompt-idx 0"
  [gsm8k-p0-ltpo-nohint]="gsm8k 100 --method ltpo --no-ltpo-hint --prompt-idx 0"
  [gsm8k-p1-self]="gsm8k 100 --method latentseek --reward self --prompt-idx 1"
  [math500-p0-psrm100]="math500 100 --method latentseek --reward psrm --prompt-idx 0"
  [math500-p0-self]="math500 100 --method latentseek --reward self --prompt-idx 0"
  [aime-p0-psrm]="aime2024 30 --method latentseek --reward psrm --prompt-idx 0"
  [aime-p0-self]="aime2024 30 --method latentseek --reward self --prompt-idx 0"
  [math500-p1-psrm]="math500 100 --method latentseek --reward psrm --prompt-idx 1"
  [math500-p1-self]="math500 100 --method latentseek --reward self --prompt-idx 1"
  [aime-p1-psrm]="aime2024 30 --method latentseek --reward psrm --prompt-idx 1"
  [aime-p1-self]="aime2024 30 --method latentseek --reward self --prompt-idx 1"
  [gsm8k-p0-psrm-random-s0]="gsm8k 100 --method latentseek --reward psrm --latent-direction random --seed 0 --prompt-idx 0"
  [gsm8k-p0-psrm-random-s1]="gsm8k 100 --method latentseek --reward psrm --latent-direction random --seed 1 --prompt-idx 0"
  [gsm8k-p0-psrm-random-s2]="gsm8k 100 --method latentseek --reward psrm --latent-direction random --seed 2 --prompt-idx 0"
  [gsm8k-p0-self-random-s0]="gsm8k 100 --method latentseek --reward self --latent-direction random --seed 0 --prompt-idx 0"
  [gsm8k-p0-self-random-s1]="gsm8k 100 --method latentseek --reward self --latent-direction random --seed 1 --prompt-idx 0"
  [gsm8k-p0-gradcuit-psrm]="gsm8k 100 --method gradcuit --reward psrm --prompt-idx 0"
  [gsm8k-p0-gradcuit-single]="gsm8k 100 --method gradcuit --reward single --prompt-idx 0"
)
# The paper's Table 1 row (issue 30), in the issue's order: TABLE1 below. math500-p0-psrm100 extended the committed
# math500-p0-psrm run (first 50) to the first 100 in its own folder (its settings, so it resumed there); it is complete,
# and math500-p0-psrm now names the same 100.
declare -A FOLDER=([math500-p0-psrm100]=math500-p0-psrm)
TABLE1=(gsm8k-p1-self math500-p0-psrm100 math500-p0-self aime-p0-psrm aime-p0-self math500-p1-psrm math500-p1-self aime-p1-psrm aime-p1-self)
# A LatentSeek run records each problem's greedy CoT answer before seeking, so the CoT row of the report comes
# from the PSRM runs; the CoT-only runs (gsm8k-p0-cot, ...) give the same answers and are left out of the default.
# SLOT (issue 20) at its code's GSM8K defaults (5 AdamW steps, lr 0.1): --slot-steps, --slot-lr.
# LTPO (issue 20) at its code's defaults (10 thoughts, 10 steps, lr 0.03, sigma 0.1, decay 0.99, top-k 10), its
# prompt's note on the thoughts included; gsm8k-p0-ltpo-nohint is the first LTPO run, made before the note was added.
# Self-consistency and oracle pass@N (issue 14) draw the BoN run's samples at N=3 (same seed, temperature, top-p); N=8 too.
# Does the gradient matter? (issue 31): the random-direction control of LatentSeek (each Adam update replaced by a random
# direction of the same norm, seeded per run seed and problem) with PSRM (3 seeds) and the self-reward (2 seeds), and
# GradCuit (its script's defaults) with PSRM and its single verifier; the committed runs' settings otherwise.
GRADIENT=(gsm8k-p0-psrm-random-s0 gsm8k-p0-gradcuit-psrm gsm8k-p0-psrm-random-s1 gsm8k-p0-gradcuit-single gsm8k-p0-self-random-s0 gsm8k-p0-self-random-s1 gsm8k-p0-psrm-random-s2)
ORDER=(gsm8k-p0-psrm math500-p0-psrm gsm8k-p1-psrm gsm8k-p0-self gsm8k-p0-bon gsm8k-p0-sc3 gsm8k-p0-oracle3 gsm8k-p0-sc8 gsm8k-p0-oracle8 gsm8k-p0-slot gsm8k-p0-ltpo gsm8k-p0-ltpo-nohint)
[ "${1:-}" = table1 ] && set -- "${TABLE1[@]}"
[ "${1:-}" = gradient ] && set -- "${GRADIENT[@]}"
for name in "${@:-${ORDER[@]}}"; do
  [ -n "${RUNS[$name]:-}" ] || { echo "unknown run $name; known: ${!RUNS[*]}" >&2; exit 2; }
  # shellcheck disable=SC2086
  run "${FOLDER[$name]:-$name}" ${RUNS[$name]}
done
