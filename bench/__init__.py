"""The benchmark (`make bench`) and the page drivers it shares with tests/test_page_budget.py."""
