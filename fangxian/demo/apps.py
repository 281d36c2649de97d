from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "fangxian.demo"
    verbose_name = "Demo"
