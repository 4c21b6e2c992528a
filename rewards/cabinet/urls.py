app_name = "cabinet_rewards"
urlpatterns = []
