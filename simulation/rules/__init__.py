"""The model's behavioural rules, one module per behaviour; docs/MODEL.md gives each equation."""
