"""Server-rendered pages (no JavaScript needed). Forms use Post/Redirect/Get and CSRF tokens."""
