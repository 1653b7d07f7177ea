"""The one four-eyes review of kept versions: risk profiles, named lists and watchlists.

``models.ReviewedVersion`` (abstract: each kind keeps its table) and ``workflow.ReviewWorkflow``
(upload, submit, approve, activate, retire, each audited). Status: ``lib.review.ReviewStatus``.
"""
