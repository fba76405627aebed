"""The methodology page's outline: each section's heading and paragraphs, as message keys.

The texts, in plain Korean and English that a journalist can quote, are in voting's catalogs
(voting/translations/*/LC_MESSAGES/voting.po, keys `method.*`).
"""
SECTIONS = [
    ("method.score_h", ("method.score_1", "method.score_2")),
    ("method.interval_h", ("method.interval_1", "method.interval_2")),
    ("method.rank_h", ("method.rank_1", "method.rank_2")),
    ("method.too_few_h", ("method.too_few_1", "method.too_few_2")),
    ("method.components_h", ("method.components_1", "method.components_2")),
    ("method.provisional_h", ("method.provisional_1",)),
    ("method.versions_h", ("method.versions_1",)),
    ("method.excluded_h", ("method.excluded_1", "method.excluded_2")),
    ("method.fair_h", ("method.fair_1", "method.fair_2")),
    ("method.language_h", ("method.language_1", "method.language_2")),
    ("method.frozen_h", ("method.frozen_1", "method.frozen_2")),
    ("method.verify_h", ("method.verify_1", "method.verify_2")),
    ("method.style_h", ("method.style_1", "method.style_2")),
]
