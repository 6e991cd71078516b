"""Baseline for row 7: a cold Python that imports requests and POSTs once.

    python bench/bare_post.py URL TOKEN BODY_JSON     (trusts REQUESTS_CA_BUNDLE)
"""

import sys

import requests

response = requests.post(
    sys.argv[1],
    data=sys.argv[3],
    headers={"Authorization": f"Bearer {sys.argv[2]}", "Content-Type": "application/json"},
    timeout=30,
)
print(response.json()["joinWebUrl"])
