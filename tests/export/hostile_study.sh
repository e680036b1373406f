# Sourced by the export tests: make_hostile_study BINARY runs, in the current
# directory, a study whose hyperparameter names and values are hostile to SQL and to
# the clients that run it (quotes, ';', '--', a newline, a tab, a backslash, emoji, a
# 10,000-character string), with trials that fail (exit 7) and trials that report
# NaN; it leaves hostile.h5 there. Returns non-zero when no study file was written.
make_hostile_study() {
  local binary=$1
  local long
  long=$(head -c 10000 /dev/zero | tr '\0' 'L')
  cat >hostile.yaml <<YAML
study: {name: hostile, seed: 11, metric: auc, mode: max}
space:
  "feature_config.features[:].embedding_dim": {type: int, low: 8, high: 64}
  "it's; -- a name 😀": {type: choice, values: ["a'b", "x;y -- z\n\\\\t", "😀 é", "$long"]}
  outcome: {type: choice, values: [ok, fail, nan]}
  lr: {type: loguniform, low: 0.0001, high: 0.1}
scheduler: {type: asha, max_trials: 24, min_budget: 1, max_budget: 4, eta: 2}
trial:
  command: [/bin/sh, -c, 'case "\$1" in fail) exit 7;; nan) echo "mpitune: step=1 auc=nan"; exit 0;; esac; for s in 1 2 3 4; do echo "mpitune: step=\$s auc=\$2"; done', sh, "{outcome}", "{lr}"]
resources: {gpus_per_trial: 0}
YAML
  # Failed trials make the run exit 0 or 3; anything else is a real failure.
  "$binary" run hostile.yaml --storage hostile.h5 -q >hostile.out 2>&1
  local code=$?
  [[ ($code -eq 0 || $code -eq 3) && -f hostile.h5 ]] || { cat hostile.out; return 1; }
}
