"""The deterministic part of ATS analysis and CV-to-job matching: pure functions, no model,
no I/O. `ats.analyse` scores a CV against a job ad as an ATS would read it; `match.match`
scores how well a CV fits a job, part by part with reasons. Both read the CV through
`candidate` and the words of either side through `keywords` (with `skills_vocabulary` and
`places`); `scoring` adds their parts up."""
