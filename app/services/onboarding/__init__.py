"""初到杨浦 / 虹桥 (issue 18): the onboarding bundle of a newly arriving foreign professional.

``precheck``: the work-permit class (A, B or C) from the national points rule, with its reasons;
a class C result says what the class means and what would reach class B; PRC citizens and
residents of Hong Kong, Macao and Taiwan are told the bundle is not theirs. ``steps``: the
district's sub-cases, moved by the settlement bundle's engine. ``progress``: the employer's
recorded hand-off, the person's check-lists, one view for both. ``starting``: the verified
employer opens its new hire's form. ``letter``: the talent confirmation letter. ``housing``: the
housing step's talent-apartment offer (through the housing room) or rent subsidy. ``schooling``:
the schooling step as the linked schooling consultation, with international-school information.
``notices``: what the person and the employer hear. ``service_type``: how it plugs into the case
engine."""
