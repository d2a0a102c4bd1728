"""Design-based estimates checked against R's ``survey`` package (Lumley), the field's reference:
``svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, nest = TRUE)``, then ``svyby`` with
``svymean`` for domain means and shares and their standard errors, ``degf`` for the degrees of
freedom, ``svyciprop(method = "logit", df = degf(design))`` for a share's interval and
``confint(..., df = degf(design))`` for a mean's.

R and ``r-cran-survey`` come from Debian's packages; ``make test`` installs them when missing (as
root). Without Rscript the tests fail when CI is set and are skipped otherwise.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from govgap.estimate import survey_estimates
from govgap.estimate.scores import score_subdimensions
from govgap.pipeline import sample
from govgap.reference import codebook
from govgap.sources import survey

ITEMS = ["papi.d7.1.1", "papi.d7.1.4", "papi.d2.4.4", "papi.d5.3.1", "papi.d5.3.3", "papi.d5.3.4"]

# every R script reads the design file given first and declares the design as govgap does
R_DESIGN = r"""
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], stringsAsFactors = FALSE)
design <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, data = d, nest = TRUE)
"""

R_DOMAINS = (
    R_DESIGN
    + r"""
out <- NULL
for (item in strsplit(args[2], ",")[[1]]) {
  for (by in c("province_code", "province_sex")) {
    f <- as.formula(paste0("~", item))
    r <- svyby(f, as.formula(paste0("~", by)), design, svymean, na.rm = TRUE)
    out <- rbind(out, data.frame(item = item, by = by, domain = as.character(r[[by]]),
                                 estimate = coef(r), se = SE(r)))
  }
}
write.csv(out, args[3], row.names = FALSE)
"""
)

R_ONE_PROVINCE = (
    R_DESIGN
    + r"""
m <- svymean(~y, design, na.rm = TRUE)
wald <- confint(m, df = degf(design))
logit <- if (all(d$y %in% c(0, 1, NA))) {
  attr(svyciprop(~y, design, method = "logit", df = degf(design)), "ci")
} else c(NA, NA)
write.csv(data.frame(estimate = as.numeric(coef(m)), se = as.numeric(SE(m)), df = degf(design),
                     wald_low = wald[1], wald_high = wald[2], logit_low = logit[1], logit_high = logit[2]),
          args[2], row.names = FALSE)
"""
)


@pytest.fixture(scope="module")
def rscript():
    path = shutil.which("Rscript")
    if path is None:
        message = "Rscript is missing: `make test` installs Debian's r-cran-survey (as root)"
        if os.environ.get("CI"):
            pytest.fail(message + "; it is required when CI is set")
        pytest.skip(message)
    return path


def _run_r(rscript, code: str, tmp_path, *args) -> None:
    script = tmp_path / "check.R"
    script.write_text(code, encoding="utf-8")
    subprocess.run([rscript, str(script), *map(str, args)], check=True, capture_output=True, text=True)


@pytest.fixture(scope="module")
def year_2022():
    raw = sample._survey_year(2024, 2022, sample.province_traits(2024))
    return survey.clean_survey(raw).table


def _design_frame(table: pd.DataFrame, items: list[str]) -> pd.DataFrame:
    """The design columns and item values (0/1 or normalised scores; NaN where not answered)."""
    values = survey_estimates.item_values(table, codebook.load_codebook())[items]
    stratum = table["province_code"] + "|" + table["strata"]
    return pd.DataFrame(
        {
            "stratum": stratum,
            "psu": stratum + "|" + table["psu"],
            "weight": table["weight"],
            "province_code": "p" + table["province_code"],  # text, not a number, in R
            "province_sex": "p" + table["province_code"] + "|" + table["sex"].astype(str),
        }
    ).join(values.rename(columns=lambda c: c.replace(".", "_")))


def _r_domains(rscript, code: str, tmp_path, frame: pd.DataFrame, items: list[str]) -> pd.DataFrame:
    """R's domain estimates (item, by, domain, estimate, se) of ``frame`` by the script ``code``."""
    frame.to_csv(tmp_path / "design.csv", index=False)
    names = ",".join(c.replace(".", "_") for c in items)
    _run_r(rscript, code, tmp_path, tmp_path / "design.csv", names, tmp_path / "r.csv")
    return pd.read_csv(tmp_path / "r.csv", dtype={"domain": str})


def test_domain_estimates_and_standard_errors_equal_r_survey(year_2022, rscript, tmp_path):
    table = year_2022[year_2022["province_code"].isin(["01", "02", "66", "79", "96"])].reset_index(drop=True)
    r = _r_domains(rscript, R_DOMAINS, tmp_path, _design_frame(table, ITEMS), ITEMS)
    book = codebook.load_codebook()
    ours = {
        "province_code": survey_estimates.estimate(table, book, min_n=1),
        "province_sex": survey_estimates.estimate(table, book, by="sex", min_n=1),
    }
    compared, worst = 0, 0.0
    for row in r.itertuples():
        item = row.item.replace("_", ".")
        mine = ours[row.by]
        mine = mine[mine["indicator_id"] == item]
        keys = "p" + mine["province_code"] + (("|" + mine["sex"].astype(str)) if row.by == "province_sex" else "")
        match = mine[keys.to_numpy() == row.domain]
        assert len(match) == 1, (row.item, row.by, row.domain)
        worst = max(worst, abs(match["estimate"].iloc[0] - row.estimate), abs(match["se"].iloc[0] - row.se))
        compared += 1
    assert compared == len(ITEMS) * (5 + 10)  # five provinces, and each by two sexes
    assert worst < 1e-10


def test_interval_and_degrees_of_freedom_of_one_province_equal_r_survey(year_2022, rscript, tmp_path):
    table = year_2022[year_2022["province_code"] == "01"].reset_index(drop=True)
    ours = survey_estimates.estimate(table).set_index("indicator_id").loc["papi.d7.2.2"]
    frame = _design_frame(table, ["papi.d7.2.2"]).rename(columns={"papi_d7_2_2": "y"})
    frame.to_csv(tmp_path / "one.csv", index=False)
    _run_r(rscript, R_ONE_PROVINCE, tmp_path, tmp_path / "one.csv", tmp_path / "r.csv")
    r = pd.read_csv(tmp_path / "r.csv").iloc[0]
    assert ours["df"] == r["df"] == 6  # 12 PSUs in 6 strata
    assert ours["estimate"] == pytest.approx(r["estimate"], abs=1e-12)
    assert ours["se"] == pytest.approx(r["se"], abs=1e-12)
    # a share's interval is the logit one (svyciprop(method = "logit")), which stays within 0-1
    assert ours["ci_low"] == pytest.approx(r["logit_low"], abs=1e-10)
    assert ours["ci_high"] == pytest.approx(r["logit_high"], abs=1e-10)
    assert not ours["ci_low"] == pytest.approx(r["wald_low"], abs=1e-4)  # and not the Wald one


def test_score_standard_error_equals_r_survey_on_the_respondents_mean_item(rscript, tmp_path):
    """With complete answers, a sub-dimension score is lo + (hi - lo) x the weighted mean of each
    respondent's average normalised item, so its SE is (hi - lo) x that mean's SE (R: svymean of
    the row means)."""
    rng = np.random.default_rng(3)
    n = 400
    t = pd.DataFrame(
        {"province_code": "01", "strata": rng.integers(0, 4, n).astype(str), "weight": rng.uniform(0.5, 2, n)}
    )
    t["psu"] = t["strata"] + rng.integers(0, 3, n).astype(str)
    latent = rng.normal(size=n)
    items = ["papi.d7.2.1", "papi.d7.2.2", "papi.d7.2.3"]
    for k, ind in enumerate(items):
        yes = rng.random(n) < 1 / (1 + np.exp(-(latent + k * 0.3)))
        positive = codebook.load_codebook().item(ind).positive[0]
        t[ind] = np.where(yes, positive, 3 - positive)
    scores = survey_estimates.score_estimates(t, 2022).set_index("indicator_id")
    frame = pd.DataFrame(
        {
            "stratum": t["strata"],
            "psu": t["strata"] + "|" + t["psu"],
            "weight": t["weight"],
            "y": survey_estimates.item_values(t)[items].mean(axis=1),
        }
    )
    frame.to_csv(tmp_path / "score.csv", index=False)
    _run_r(rscript, R_ONE_PROVINCE, tmp_path, tmp_path / "score.csv", tmp_path / "r.csv")
    r = pd.read_csv(tmp_path / "r.csv").iloc[0]
    assert scores.loc["papi.d7.2", "score"] == pytest.approx(1 / 3 + 3 * r["estimate"], abs=1e-12)
    assert scores.loc["papi.d7.2", "se"] == pytest.approx(3 * r["se"], abs=1e-12)
    assert scores.loc["papi.d7.2", "ci_low"] == pytest.approx(1 / 3 + 3 * r["wald_low"], abs=1e-12)
    assert scores.loc["papi.d7.2", "ci_high"] == pytest.approx(1 / 3 + 3 * r["wald_high"], abs=1e-12)
    wide = survey_estimates.estimate(t).pivot(index="province_code", columns="indicator_id", values="estimate")
    assert scores.loc["papi.d7.2", "score"] == pytest.approx(score_subdimensions(wide, 2022).loc["01", "papi.d7.2"])


R_DEGF = (
    R_DESIGN
    + r"""
out <- NULL
for (level in sort(unique(d$part))) {
  sub <- subset(design, part == level)
  out <- rbind(out, data.frame(part = level, df = degf(sub)))
}
write.csv(out, args[2], row.names = FALSE)
"""
)


def test_a_domain_s_degrees_of_freedom_count_its_own_psus_as_r_does(year_2022, rscript, tmp_path):
    """A domain that has members in only some PSUs of a stratum gets the degrees of freedom R's
    ``degf(subset(design, domain))`` gives it: the PSUs with a member minus the strata with one
    (not every PSU of the strata it touches, which made intervals narrower than R's)."""
    table = year_2022[year_2022["province_code"] == "01"].reset_index(drop=True)
    psu = pd.factorize(table["strata"] + "|" + table["psu"])[0]
    rng = np.random.default_rng(2)
    # "a": the even PSUs and a few respondents of two odd ones; "b": the odd PSUs; "c": one PSU
    part = np.where(psu % 2 == 0, "a", "b")
    part[(psu % 2 == 1) & (psu <= 3) & (rng.random(len(table)) < 0.3)] = "a"
    part[psu == psu.max()] = "c"
    table["part"] = part
    frame = _design_frame(table, ["papi.d7.2.2"]).assign(part=part)
    frame.to_csv(tmp_path / "parts.csv", index=False)
    _run_r(rscript, R_DEGF, tmp_path, tmp_path / "parts.csv", tmp_path / "r.csv")
    r = pd.read_csv(tmp_path / "r.csv").set_index("part")["df"]
    ours = survey_estimates.estimate(table, by="part", min_n=1, items=["papi.d7.2.2"]).set_index("part")
    assert ours["df"].to_dict() == r.astype(float).to_dict()
    assert r["c"] == 0 and ours.loc["c", "suppressed"]  # one PSU: no variance to estimate, not shown
    assert ours.loc["a", "df"] >= 3 and not ours.loc["a", "suppressed"]


R_CALIBRATED_DOMAINS = r"""
out <- NULL
for (item in strsplit(args[2], ",")[[1]]) {
  for (by in c("province_code", "province_sex", "province_age")) {
    r <- svyby(as.formula(paste0("~", item)), as.formula(paste0("~", by)), calibrated, svymean, na.rm = TRUE)
    out <- rbind(out, data.frame(item = item, by = by, domain = as.character(r[[by]]),
                                 estimate = coef(r), se = SE(r)))
  }
}
write.csv(out, args[3], row.names = FALSE)
"""

R_RAKED = (
    R_DESIGN
    + r"""
# raked to the weighted margins it already has: the weights stay, the design knows its raking
m1 <- aggregate(weight ~ province_code + sex, d, sum)
m2 <- aggregate(weight ~ province_code + age_group, d, sum)
names(m1)[3] <- "Freq"
names(m2)[3] <- "Freq"
calibrated <- rake(design, list(~province_code + sex, ~province_code + age_group), list(m1, m2))
"""
    + R_CALIBRATED_DOMAINS
)

R_POSTSTRATIFIED = (
    R_DESIGN
    + r"""
# post-stratified to the weighted joint cells it already has: the weights stay
cells <- aggregate(weight ~ province_code + sex + age_group, d, sum)
names(cells)[4] <- "Freq"
calibrated <- postStratify(design, ~province_code + sex + age_group, cells)
"""
    + R_CALIBRATED_DOMAINS
)


def _four_provinces(year_2022) -> pd.DataFrame:
    table = year_2022[year_2022["province_code"].isin(["01", "02", "66", "79"])].reset_index(drop=True)
    table["age_group"] = table["age_group"].astype(str)
    return table


def _calibrated_against_r(table, rscript, tmp_path, code: str, raked) -> tuple[int, float, int]:
    """Estimates and standard errors of four provinces, their sex and their age-group domains,
    with ``raked`` against R's design of the script ``code``, and without it (as design weights):
    (estimates compared, largest difference, standard errors that differ without it)."""
    items = ITEMS[:4]
    frame = _design_frame(table, items).assign(
        sex=table["sex"].astype(str).to_numpy(),
        age_group=table["age_group"].to_numpy(),
        province_age=("p" + table["province_code"] + "|" + table["age_group"]).to_numpy(),
    )
    r = _r_domains(rscript, code, tmp_path, frame, items)
    book = codebook.load_codebook()
    ours, plain = {}, {}
    for by, group in (("province_code", None), ("province_sex", "sex"), ("province_age", "age_group")):
        ours[by] = survey_estimates.estimate(table, book, by=group, items=items, min_n=1, min_df=0, raked=raked)
        plain[by] = survey_estimates.estimate(table, book, by=group, items=items, min_n=1, min_df=0)
    compared, worst, moved = 0, 0.0, 0
    for row in r.itertuples():
        item = row.item.replace("_", ".")
        for source, frame_ in (("raked", ours[row.by]), ("plain", plain[row.by])):
            mine = frame_[frame_["indicator_id"] == item]
            group = {"province_sex": "sex", "province_age": "age_group"}.get(row.by)
            keys = "p" + mine["province_code"] + (("|" + mine[group].astype(str)) if group else "")
            match = mine[keys.to_numpy() == row.domain]
            assert len(match) == 1, (row.item, row.by, row.domain)
            if source == "raked":
                worst = max(worst, abs(match["estimate"].iloc[0] - row.estimate), abs(match["se"].iloc[0] - row.se))
                compared += 1
            else:
                moved += abs(match["se"].iloc[0] - row.se) > 1e-6
    assert compared == len(items) * (4 + 8 + 4 * 5)  # four provinces, two sexes, five age groups
    return compared, worst, moved


def test_raked_standard_errors_equal_r_survey_s_rake_design(year_2022, rscript, tmp_path):
    """After raking to sex and age group within each province, the standard errors account for the
    raking as R's ``rake()`` design does (linearised values residualised on the margins' cells,
    ten sweeps), for provinces and for domains that cut across a margin (sex, age group); they
    differ from those that treat the raked weights as design weights."""
    raked = survey_estimates.Raked(("sex", "age_group"), "province_code")
    compared, worst, moved = _calibrated_against_r(_four_provinces(year_2022), rscript, tmp_path, R_RAKED, raked)
    assert worst < 1e-10
    assert moved > compared / 2  # the design-weight variance is not the raked one


def test_post_stratified_standard_errors_equal_r_survey_s_poststratify_design(year_2022, rscript, tmp_path):
    """Post-stratified to the joint sex x age-group cells of each province (``poststratify``, to the
    weighted counts the sample has, so the weights stay), the standard errors are those of R's
    ``postStratify()`` design: linearised values residualised within the cells, on each cell's mean
    weighted by the weights before (R's ``rake()`` takes unweighted means: a different number)."""
    table = _four_provinces(year_2022)
    targets = table.groupby(["province_code", "sex", "age_group"], as_index=False)["weight"].sum()
    weighting = survey_estimates.poststratify(table, targets.rename(columns={"weight": "target"}), ["sex", "age_group"])
    assert np.allclose(weighting.weights, table["weight"], rtol=1e-12)  # the weights stay
    assert weighting.raked == survey_estimates.Raked((("sex", "age_group"),), "province_code", "design_weight")
    table = table.assign(design_weight=table["weight"], weight=weighting.weights)
    compared, worst, moved = _calibrated_against_r(table, rscript, tmp_path, R_POSTSTRATIFIED, weighting.raked)
    assert worst < 1e-10
    assert moved > compared / 2
    unweighted = survey_estimates.Raked((("sex", "age_group"),), "province_code")  # rake()'s rule
    assert _calibrated_against_r(table, rscript, tmp_path, R_POSTSTRATIFIED, unweighted)[1] > 1e-4
