#!/usr/bin/python3
"""A stand-in for EasyRec's trainer (easy_rec.python.train_eval), which cannot be
installed here, following its HPO file protocol exactly:

  --hpo_param_path FILE        {"param": {"feature_config.features[:].embedding_dim": 48, ...}}
                               (dotted EasyRec config paths -> values), read at start
  --hpo_metric_save_path FILE  one JSON object per evaluation appended, e.g.
                               {"auc": 0.669, "loss": 0.163, "global_step": 1000}
  --model_dir DIR              checkpoints; a run resumes from the last one there

It "trains" a made-up model whose AUC depends on the parameters, evaluating every
--eval_steps global steps until --train_steps (mpitune passes its budget, in
global steps, here), and
sleeps --step_seconds per evaluation so that a study has time to pause it.
"""
import argparse
import json
import math
import os
import sys
import time


def quality(param):
    """AUC the stand-in reaches, best near embedding_dim 48, lr 3e-3, hidden 128."""
    dim = float(param.get("feature_config.features[:].embedding_dim", 32))
    lr = float(param.get("train_config.optimizer_config.adam_optimizer.learning_rate", 1e-3))
    hidden = float(param.get("model_config.dnn.hidden_units[0]", 64))
    penalty = (math.log2(dim / 48.0)) ** 2 * 0.01 + (math.log10(lr / 3e-3)) ** 2 * 0.02
    penalty += (math.log2(hidden / 128.0)) ** 2 * 0.005
    return 0.78 - penalty


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--hpo_param_path", required=True)
    parser.add_argument("--hpo_metric_save_path", required=True)
    parser.add_argument("--model_dir", required=True)
    parser.add_argument("--train_steps", type=float, required=True)
    parser.add_argument("--eval_steps", type=int, default=1000)
    parser.add_argument("--step_seconds", type=float, default=0.0)
    args = parser.parse_args()

    with open(args.hpo_param_path) as f:
        hpo = json.load(f)
    if set(hpo) != {"param"} or not isinstance(hpo["param"], dict):
        sys.exit("hpo_param_path: expected {\"param\": {...}}")
    param = hpo["param"]
    target = quality(param)

    os.makedirs(args.model_dir, exist_ok=True)
    checkpoint = os.path.join(args.model_dir, "checkpoint.json")
    step = 0
    if os.path.exists(checkpoint):
        with open(checkpoint) as f:
            step = json.load(f)["global_step"]
    last = int(args.train_steps)
    while step < last:
        step += args.eval_steps
        time.sleep(args.step_seconds)
        progress = 1.0 - math.exp(-step / (3.0 * args.eval_steps))
        auc = 0.5 + (target - 0.5) * progress
        with open(checkpoint + ".tmp", "w") as f:
            json.dump({"global_step": step}, f)
        os.replace(checkpoint + ".tmp", checkpoint)
        with open(args.hpo_metric_save_path, "a") as f:
            f.write(json.dumps({"auc": round(auc, 6), "loss": round(1.0 - auc, 6), "global_step": step}) + "\n")
            f.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
