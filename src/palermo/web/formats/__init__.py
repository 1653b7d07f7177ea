"""Date formats per language (Django's FORMAT_MODULE_PATH).

English pages write "3 Dec 2026" and "3 Dec 2026 14:05" (day first, 24-hour clock, as at a
border); Simplified Chinese pages keep Django's zh_Hans formats, "2026年12月3日 14:05".
"""
