"""The portal's pages, served without a kernel: Tornado handlers in the ``kpi serve --portal``
process (:func:`kpilib.portal.web.app.portal_handlers`)."""
