"""Triage suggestions for appeals: a shipped lexicon of rules, and a model learned from the organisation's
confirmed labels that is used only when it beats the rules on held-out data. A person always confirms."""
