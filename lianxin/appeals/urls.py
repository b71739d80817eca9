from lianxin.appeals.views import board, handling, intake, ledger, receipt, wecom

urlpatterns = [
    *intake.urlpatterns,
    *receipt.urlpatterns,
    *handling.urlpatterns,
    *board.urlpatterns,
    *ledger.urlpatterns,
    *wecom.urlpatterns,
]
