sh: 1: c --data-urlencode @d.txt -G http://127.0.0.1:36171/raw: not found
