"""Records retention (issue 22): retention rules per service and result, destruction lists
approved by a second records officer, legal holds."""
