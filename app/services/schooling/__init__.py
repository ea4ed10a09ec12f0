"""Schooling help for talent families without a Shanghai hukou (Yangpu's 子女教育专场咨询、入学
辅导): a consultation request answered by the district education bureau, and its sessions booked
at a service point that offers it."""
