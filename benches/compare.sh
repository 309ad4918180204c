#!/usr/bin/env bash
# Whole-process benchmarks of gatekit against the tools people use instead:
# copier and cookiecutter for rendering, checkov for auditing Terraform, and
# gatekit's own audit on large Kong and Envoy files for scale. Results land
# in OUT (default target/bench-compare) as hyperfine Markdown and JSON, plus
# callgrind instruction counts for gatekit and peak memory for the scale
# runs. docs/benchmarks.md records a run and explains the inputs.
#
# Usage: benches/compare.sh [OUT [SECTION...]]
# SECTION is render, audit or scale; all three run by default.
# Needs: hyperfine, valgrind, /usr/bin/time, and copier, cookiecutter and
# checkov on PATH (the validator installer puts them there).
set -Eeuo pipefail
cd "$(dirname "$0")/.."

out="${1:-target/bench-compare}"
shift || true
sections="${*:-render audit scale}"
runs="${GATEKIT_BENCH_RUNS:-20}"
gatekit="$PWD/target/release/gatekit"
python="${PYTHON:-python3}"

# True when SECTION was asked for.
wants() {
  [[ " $sections " == *" $1 "* ]]
}

cargo build --release --locked --quiet
for section in $sections; do
  rm -rf "${out:?}/$section"
  mkdir -p "$out/$section"
done

# Prints the instructions a command executes, from callgrind's summary.
instructions() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

combos=()
# Every vendor and the environments its built-in manifest lists.
for vendor in kong envoy nginx aws apigee; do
  environments="$(sed -n 's/^environments: \[\(.*\)\]$/\1/p' "blueprints/$vendor/manifest.yaml" | tr -d ',')"
  for environment in $environments; do
    for ci in github gitlab both; do
      combos+=("$vendor-$environment-$ci")
    done
  done
done

if wants render; then
  # One reference render per combination, and its copier and cookiecutter
  # equivalents.
  for combo in "${combos[@]}"; do
    IFS=- read -r vendor environment ci <<<"${combo/on-prem/on_prem}"
    environment="${environment/on_prem/on-prem}"
    "$gatekit" render --defaults --set project=payments --set "vendor=$vendor" \
      --set "environment=$environment" --set "ci=$ci" --out "$out/render/$combo/gatekit" >/dev/null
    "$python" benches/peer_templates.py "$out/render/$combo/gatekit" blueprints \
      "$out/render/$combo/peers" >"$out/render/$combo/counts.txt"
  done
  echo "kong-cloud-github: $(cat "$out/render/kong-cloud-github/counts.txt")"

  one="$out/render/kong-cloud-github"
  hyperfine --warmup 3 --runs "$runs" -N \
    --prepare "rm -rf $out/render/dst" \
    --export-markdown "$out/render/one.md" --export-json "$out/render/one.json" \
    -n gatekit "$gatekit render --defaults --set project=payments --set vendor=kong --set environment=cloud --set ci=github --out $out/render/dst" \
    -n copier "copier copy --defaults --quiet $one/peers/copier $out/render/dst" \
    -n cookiecutter "cookiecutter --no-input -o $out/render/dst $one/peers/cookiecutter"

  # Every combination as one shell loop per tool, one process per render.
  loop() {
    local tool="$1" script=""
    for combo in "${combos[@]}"; do
      IFS=- read -r vendor environment ci <<<"${combo/on-prem/on_prem}"
      environment="${environment/on_prem/on-prem}"
      case "$tool" in
        gatekit) script+="$gatekit render --defaults --set project=payments --set vendor=$vendor --set environment=$environment --set ci=$ci --out $out/render/dst/$combo >/dev/null;" ;;
        copier) script+="copier copy --defaults --quiet $out/render/$combo/peers/copier $out/render/dst/$combo;" ;;
        cookiecutter) script+="cookiecutter --no-input -o $out/render/dst/$combo $out/render/$combo/peers/cookiecutter;" ;;
      esac
    done
    echo "$script"
  }
  hyperfine --warmup 1 --runs "$((runs / 4 + 1))" \
    --prepare "rm -rf $out/render/dst" \
    --export-markdown "$out/render/all.md" --export-json "$out/render/all.json" \
    -n "gatekit, ${#combos[@]} combinations" "$(loop gatekit)" \
    -n "copier, ${#combos[@]} combinations" "$(loop copier)" \
    -n "cookiecutter, ${#combos[@]} combinations" "$(loop cookiecutter)"

  rm -rf "$out/render/dst"
  instructions "$gatekit" render --defaults --set project=payments --out "$out/render/dst" \
    >"$out/render/gatekit-instructions.txt"
  rm -rf "$out/render/dst"
fi

if wants audit; then
  # Audit: the generated AWS Terraform, and a 2,000-resource set.
  aws="$out/audit/aws"
  mkdir -p "$aws"
  "$gatekit" render --defaults --set project=payments --set vendor=aws --set environment=cloud \
    --set ci=github --out "$out/audit/aws-repo" >/dev/null
  cp -r "$out/audit/aws-repo/terraform/." "$aws/"
  "$python" benches/gen_terraform.py 2000 "$out/audit/tf2000"
  for set in aws tf2000; do
    dir="$out/audit/$set"
    hyperfine --warmup 2 --runs "$((runs / 2))" -i -N \
      --export-markdown "$out/audit/$set.md" --export-json "$out/audit/$set.json" \
      -n "gatekit audit $set" "$gatekit audit -q --format json $dir" \
      -n "checkov $set" "checkov -d $dir --framework terraform --quiet --compact --skip-download -o json"
    "$gatekit" audit -q --format json "$dir" >"$out/audit/$set-gatekit.json" || true
    checkov -d "$dir" --framework terraform --quiet --compact --skip-download -o json \
      >"$out/audit/$set-checkov.json" || true
    "$python" benches/checkov_coverage.py "$out/audit/$set-checkov.json" \
      "$out/audit/$set-gatekit.json" "$dir" >"$out/audit/$set-coverage.md" ||
      echo "==> $set: some checkov failures have no recorded reason" >&2
    instructions "$gatekit" audit -q --format json "$dir" >"$out/audit/$set-gatekit-instructions.txt" || true
  done
fi

if wants scale; then
  # Scale: time, instructions and peak memory for 1k, 10k and 100k routes.
  for kind in kong envoy; do
    for routes in 1000 10000 100000; do
      file="$out/scale/$kind-$routes.yaml"
      "$python" benches/gen_gateway.py "$kind" "$routes" "$file"
      /usr/bin/time -f "%e %U %M" -o "$out/scale/$kind-$routes.time" \
        "$gatekit" audit -q --format json "$file" >/dev/null || true
      echo "$kind $routes $(stat -c %s "$file") $(tail -n 1 "$out/scale/$kind-$routes.time") \
$(instructions "$gatekit" audit -q --format json "$file")" >>"$out/scale/results.txt"
    done
  done
  echo "kind routes bytes wall_s user_s max_rss_kb instructions"
  cat "$out/scale/results.txt"
fi
