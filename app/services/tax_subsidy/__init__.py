"""境外人才个人所得税税负差额补贴 (issue 18, point 5): a yearly claim by overseas talent of the
income tax paid above the benchmark rate, decided by ``changning.overseas_tax_subsidy`` and paid
once through finance (the payments room's ``OneOffPayment``, catalog ``payment: one_off``)."""
